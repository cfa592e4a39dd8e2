"""`videoflix dev` (what `make dev` runs) as a child process, returned once it answers.

The e2e tests and the load benchmark both drive the stack from outside, over real HTTP, as
a developer's browser and CLI do.
"""
from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass
class LaunchedStack:
    api: str
    process: subprocess.Popen
    log_path: Path

    def url(self, path: str) -> str:
        return self.api + path

    def log_tail(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def launch_dev_stack(folder: Path, port: int, environ: dict[str, str], options: list[str], *,
                     host: str = "127.0.0.1", timeout: float = 90) -> LaunchedStack:
    """Start `videoflix dev --host HOST --port PORT OPTIONS` in `folder` and wait until it is healthy.

    `folder` is the working directory (the stack's SQLite file and `.env` are looked for
    there) and holds `dev-stack.log`, which the errors quote.
    """
    log_path = folder / "dev-stack.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "videoflix_tools.cli.main", "dev", "--host", host,
                                    "--port", str(port), *options],
                                   cwd=folder, env=environ, stdout=log, stderr=subprocess.STDOUT)
    stack = LaunchedStack(f"http://{host}:{port}", process, log_path)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the dev stack exited early (code {process.returncode}):\n{stack.log_tail()}")
        if _healthy(stack.url("/api/health/")):
            return stack
        if time.monotonic() > deadline:
            stack.stop()
            raise RuntimeError(f"the dev stack was not healthy within {timeout:.0f} s:\n{stack.log_tail()}")
        time.sleep(0.3)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False
