"""What a fresh interpreter prints: for tests of what a call loads (a module already imported by the
test run would hide the import it checks for)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import videoflix

LAYERS = str(Path(videoflix.__file__).parents[1])


def fresh_python_output(script: str) -> str:
    """The standard output of `script` run by a new interpreter with this checkout's layers/ on its path."""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "PYTHONPATH": LAYERS})
    return done.stdout
