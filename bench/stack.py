"""The API functions in-process for the latency benches: the real handlers behind the local gateway.

Requests go through `LocalApiGateway`, which builds the API Gateway event Lambda would get,
so each one runs the function's whole Lambda code path (routing, middleware, auth, domain
code, response). AWS is a moto server over real HTTP on loopback.

Database: BENCH_DATABASE_URL, else a database of its own, `<name>_bench`, dropped and created
on the server of TEST_DATABASE_URL, else SQLite in a temporary folder. Redis: BENCH_REDIS_URL,
else TEST_REDIS_URL, else the in-process fake; the chosen Redis database is flushed first.
"""
from __future__ import annotations

import json
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

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
        server, _, name = test.rpartition("/")
        return f"{server}/{name.split('?', 1)[0]}_bench"
    return f"sqlite:///{folder}/bench.sqlite3"


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("TEST_REDIS_URL", "")


def _fresh_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    from videoflix.db.session import normalize_database_url

    server, _, name = normalize_database_url(url).rpartition("/")
    engine = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


@dataclass
class Client:
    """A browser-like caller: JSON requests, the frontend's Origin, a cookie jar."""

    gateway: Any
    cookies: dict[str, str] = field(default_factory=dict)
    source_ip: str = "198.51.100.7"

    def request(self, method: str, path: str, body: Any = None, store_cookies: bool = True) -> Any:
        headers = [("Content-Type", "application/json"), ("Origin", ORIGIN), ("Host", "bench.local")]
        if self.cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items())))
        raw = json.dumps(body).encode() if body is not None else b""
        response = self.gateway.handle(method, path, "", headers, raw, self.source_ip)
        if store_cookies:
            for name, value in response.headers:
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, cookie = pair.partition("=")
                    self.cookies[key] = cookie
        return response

    def expect(self, status: int, method: str, path: str, body: Any = None) -> Any:
        response = self.request(method, path, body)
        if response.status != status:
            raise RuntimeError(f"{method} {path}: {response.status} {response.body[:300]!r}")
        return response


@dataclass
class Stack:
    services: Any
    gateway: Any
    description: dict[str, str]

    def client(self) -> Client:
        return Client(self.gateway)

    def user(self, email: str, password: str, staff: bool = False) -> None:
        from videoflix.auth.service import create_user

        create_user(self.services, email, password, staff=staff)


@contextmanager
def running_stack(**setting_overrides: Any) -> Iterator[Stack]:
    """moto, the database and Redis ready, the auth/catalog/admin handlers behind a gateway."""
    from moto.server import ThreadedMotoServer

    from videoflix.bootstrap import bootstrap_aws
    from videoflix.db.migrate import upgrade_database
    from videoflix.db.session import dispose_engines
    from videoflix.dev.gateway import LocalApiGateway
    from videoflix.functions import API_FUNCTIONS, load_handler
    from videoflix.services import Services, use_services
    from videoflix.settings import Settings

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="videoflix-bench-") as folder:
            host, port = server.get_host_and_port()
            database = database_url(Path(folder))
            if not database.startswith("sqlite"):
                _fresh_postgres(database)
            upgrade_database(database)
            values = dict(environment="test", secret_key=BENCH_SECRET, cookie_secure=False,
                          database_url=database, redis_url=redis_url(), aws_endpoint_url=f"http://{host}:{port}",
                          api_base_url="http://bench.local")
            values.update(setting_overrides)
            settings = Settings(**values)
            bootstrap_aws(settings)
            services = Services.from_settings(settings)
            services.redis.flushdb()
            use_services(services)
            gateway = LocalApiGateway([load_handler(name) for name in API_FUNCTIONS],
                                      cors_origins=settings.cors_allowed_origins)
            description = {"database": "PostgreSQL" if not database.startswith("sqlite") else "SQLite",
                           "redis": "Redis server" if settings.redis_url else "in-process fake",
                           "aws": "moto server on loopback"}
            try:
                yield Stack(services, gateway, description)
            finally:
                use_services(None)
                dispose_engines()
    finally:
        server.stop()
