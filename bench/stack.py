"""The API functions in-process for the latency benches: the real handlers behind the local gateway.

Requests go through `LocalApiGateway`, which builds the API Gateway event Lambda would get,
so each one runs the function's whole Lambda code path (routing, middleware, auth, domain
code, response). AWS is a moto server over real HTTP on loopback.

Database: BENCH_DATABASE_URL, else a database of its own, `<name>_bench`, dropped and created
on the server of TEST_DATABASE_URL, else SQLite in a temporary folder. Redis: BENCH_REDIS_URL,
else TEST_REDIS_URL, else the in-process fake; the chosen Redis database is flushed first.
"""
from __future__ import annotations

import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from videoflix.auth.service import create_user
from videoflix.db.plain import close_opened
from videoflix.services import use_services
from videoflix.settings import Settings
from videoflix_tools.testing.api_client import ApiClient
from videoflix_tools.testing.databases import fresh_database, sibling_database_url
from videoflix_tools.testing.local_system import api_gateway, moto_endpoint, provision

# The moto server and boto3 must never find real credentials.
for _name, _value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                      "AWS_SESSION_TOKEN": "bench", "AWS_DEFAULT_REGION": "eu-central-1"}.items():
    os.environ[_name] = _value
os.environ.pop("AWS_PROFILE", None)
# The moto server logs every request it serves; the bench prints only its own table.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

BENCH_SECRET = "bench-secret-key-long-enough-for-hmac-0123456789abcdef-0123456789"
ORIGIN = "http://127.0.0.1:5500"


def database_url(folder: Path) -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    test = os.environ.get("TEST_DATABASE_URL", "")
    if test and not test.startswith("sqlite"):
        return sibling_database_url(test, "_bench")
    return f"sqlite:///{folder}/bench.sqlite3"


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL", "")


@dataclass
class Stack:
    services: Any
    gateway: Any
    description: dict[str, str]

    def client(self) -> ApiClient:
        """A browser-like caller: JSON requests, the frontend's Origin, a cookie jar."""
        return ApiClient(self.gateway, origin=ORIGIN, source_ip="198.51.100.7",
                         default_headers={"Host": "bench.local"})

    def user(self, email: str, password: str, staff: bool = False) -> None:
        create_user(self.services, email, password, staff=staff)


@contextmanager
def running_stack(**setting_overrides: Any) -> Iterator[Stack]:
    """moto, the database and Redis ready, the auth/catalog/admin handlers behind a gateway."""
    with moto_endpoint() as aws_endpoint, tempfile.TemporaryDirectory(prefix="videoflix-bench-") as folder:
        database = database_url(Path(folder))
        if not database.startswith("sqlite"):
            fresh_database(database)
        values = dict(environment="test", secret_key=BENCH_SECRET, cookie_secure=False,
                      database_url=database, redis_url=redis_url(), aws_endpoint_url=aws_endpoint,
                      api_base_url="http://bench.local")
        values.update(setting_overrides)
        settings = Settings(**values)
        services = provision(settings)
        services.redis.flushdb()
        gateway = api_gateway(settings)
        description = {"database": "PostgreSQL" if not database.startswith("sqlite") else "SQLite",
                       "redis": "Redis server" if settings.redis_url else "in-process fake",
                       "aws": "moto server on loopback"}
        try:
            yield Stack(services, gateway, description)
        finally:
            use_services(None)
            close_opened()
