"""The dev stack (`videoflix dev`, what `make dev` runs) started as a real process on free ports."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from videoflix_tools.dev.launcher import LaunchedStack, launch_dev_stack
from videoflix_tools.dev.stack import free_port
from videoflix_tools.testing.databases import fresh_database, sibling_database_url

ADMIN_EMAIL = "admin@videoflix.local"
ADMIN_PASSWORD = "e2e-admin-password"


def _e2e_database_url(base_dir: Path) -> str:
    """A database of its own on the test PostgreSQL when configured, else SQLite."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base:
        return f"sqlite:///{base_dir}/e2e.sqlite3"
    # Named after the test database, so parallel checkouts with their own databases never meet.
    return fresh_database(sibling_database_url(base, "_e2e"))


def _e2e_redis_url() -> str:
    base = os.environ.get("TEST_REDIS_URL", "")
    if not base:
        return ""
    import redis

    # The database just below the integration tests' one (15 -> 14), flushed per session.
    url = base.rsplit("/", 1)[0] + "/" + str(int(base.rsplit("/", 1)[1]) - 1)
    redis.Redis.from_url(url).flushdb()
    return url


@dataclass
class DevStack(LaunchedStack):
    environ: dict = field(default_factory=dict)
    player: str = ""

    def emails(self) -> list[dict]:
        return requests.get(self.url("/dev/emails"), timeout=10).json()

    def wait_for_email(self, to: str, subject: str, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.emails() if to in m["to"] and m["subject"] == subject]
            if found:
                return found[-1]
            time.sleep(0.3)
        raise AssertionError(f"no {subject!r} email to {to} within {timeout}s; log: {self.log_tail()}")


def start_stack(folder: Path, database_url: str, redis_url: str, *, seed_seconds: float | None = None,
                extra_environ: dict[str, str] | None = None, port: int | None = None):
    """Run `videoflix dev` (what `make dev` runs) on free ports; yields once it is healthy.

    The player gets a free port too, and the API allows its origin and links emails to it
    (as well as the shared frontend's 127.0.0.1:5500). No sample film unless `seed_seconds`;
    `port` keeps the API where it was before a restart.
    """
    port, player_port = port or free_port(), free_port()
    player = f"http://127.0.0.1:{player_port}"
    environ = {**os.environ, "VIDEOFLIX_ENV": "dev", "DATABASE_URL": database_url,
               "REDIS_URL": redis_url, "ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD,
               "BCRYPT_ROUNDS": "4", "AWS_ENDPOINT_URL": "", "PYTHONUNBUFFERED": "1",
               "CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:5500,{player}", "FRONTEND_URL": player,
               "AV1_LADDER": "false",  # the tests of the AV1 ladder turn it on (CI time)
               **(extra_environ or {})}
    seed = ["--seed-seconds", str(seed_seconds)] if seed_seconds else ["--no-seed"]
    launched = launch_dev_stack(folder, port, environ, ["--player-port", str(player_port), *seed], timeout=60)
    stack = DevStack(launched.api, launched.process, launched.log_path, environ, player)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def dev_stack(tmp_path_factory):
    """The stack on the test PostgreSQL and Redis when configured (as CI does), else embedded."""
    folder = tmp_path_factory.mktemp("devstack")
    yield from start_stack(folder, _e2e_database_url(folder), _e2e_redis_url())


@pytest.fixture(scope="session")
def embedded_dev_stack(tmp_path_factory):
    """The stack exactly as `make dev` runs it on a fresh machine: moto, SQLite, in-process Redis."""
    folder = tmp_path_factory.mktemp("embedded")
    yield from start_stack(folder, "", "")
