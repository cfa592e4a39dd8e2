"""Empty databases for tests and benches: a PostgreSQL database dropped and created, or a new SQLite file."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from videoflix.db.plain import normalize_database_url


def sibling_database_url(url: str, suffix: str) -> str:
    """The URL of another database on the same server: `<name><suffix>`."""
    base, _, name = url.rpartition("/")
    return f"{base}/{name.split('?', 1)[0]}{suffix}"


def fresh_database(url: str) -> str:
    """Drop and create the PostgreSQL database of `url`, or delete a SQLite file; returns `url`.

    Whoever is still connected to that database is disconnected (WITH FORCE): a test run
    or bench stopped half-way must not keep the next one from starting afresh.
    """
    if url.startswith("sqlite"):
        Path(url.split(":///", 1)[1].split("?", 1)[0]).unlink(missing_ok=True)
        return url

    server, _, name = normalize_database_url(url).rpartition("/")
    name = name.split("?", 1)[0]
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url
