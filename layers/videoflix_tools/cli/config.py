"""The command line's own environment: where it keeps its files, a scripted password.

These variables belong to the admin's shell, not to the deployed services, so they are
read here rather than in `videoflix.settings` (and are listed as comments in `.env.template`).
"""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

CONFIG_DIR_VARIABLE = "VIDEOFLIX_CONFIG_DIR"
PASSWORD_VARIABLE = "VIDEOFLIX_PASSWORD"


def config_dir() -> Path:
    """`$VIDEOFLIX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/videoflix`, else `~/.config/videoflix`."""
    explicit = os.environ.get(CONFIG_DIR_VARIABLE, "").strip()
    if explicit:
        return Path(explicit).expanduser()
    # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "videoflix"


def read_password(prompt: str) -> str:
    """From `$VIDEOFLIX_PASSWORD`, else one line of standard input when it is not a terminal, else a prompt."""
    from_environment = os.environ.get(PASSWORD_VARIABLE)
    if from_environment:
        return from_environment
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass(prompt)
