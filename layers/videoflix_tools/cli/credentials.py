"""The login the command line keeps between runs: API URL and tokens, readable by the owner only."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from videoflix_tools.cli.errors import CommandFailed

CREDENTIALS_FILE = "credentials.json"
NOT_LOGGED_IN = "not logged in; run `videoflix login --api URL --email EMAIL` first"


@dataclass(frozen=True)
class Credentials:
    api: str
    email: str
    access: str
    refresh: str


def write_private_json(path: Path, data: Any) -> None:
    """Replace `path` atomically with `data`, mode 0600 from the first byte (tokens must never be world-readable)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        # O_CREAT keeps the mode of a leftover temporary file; make sure.
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_json(path: Path) -> Any:
    """The JSON in `path`, or None when the file does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


class CredentialStore:
    def __init__(self, directory: Path) -> None:
        self.path = directory / CREDENTIALS_FILE

    def load(self) -> Credentials:
        try:
            data = read_json(self.path)
        except (OSError, ValueError):
            raise CommandFailed(f"cannot read {self.path}; run `videoflix login` again") from None
        if data is None:
            raise CommandFailed(NOT_LOGGED_IN)
        try:
            return Credentials(**{name: str(data[name]) for name in ("api", "email", "access", "refresh")})
        except (KeyError, TypeError):
            raise CommandFailed(f"{self.path} is incomplete; run `videoflix login` again") from None

    def save(self, credentials: Credentials) -> None:
        write_private_json(self.path, asdict(credentials))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
