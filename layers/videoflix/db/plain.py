"""The database driver's own connections and SQL, without SQLAlchemy: what a cold start cannot wait for.

Loading SQLAlchemy and the models costs a cold function about 200 ms (bench/cold_start.py), more
than a login's whole database work (one row read, one written). So the hot paths that touch a row
or two (a login, a login check's cache miss, the health check) run plain SQL on a DB-API
connection (pg8000, or sqlite3 for the development default) through `videoflix.db.database`;
everything else uses the ORM (`videoflix.db.session`). Both reach the database from the same URL:
`connect_args` reads it as SQLAlchemy does (tests/unit/db/test_plain_sql.py compares them), and a
URL it does not know is left to the ORM's engine.

This module also keeps the registry of what a process has opened (the ORM's engines, plain
connections), so SnapStart can close them all before a snapshot without loading the ORM.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

POSTGRESQL, SQLITE = "postgresql", "sqlite"
# What the driver raises when the connection, not the statement, failed: retried once on a fresh one.
_CONNECTION_ERRORS = ("InterfaceError", "OperationalError")
# What a driver's message says when the database could not be reached (an ORM session's errors too).
_OUTAGE_WORDS = ("connect", "timeout", "closed", "network", "refused")
DATABASE_DOWN = "The database is unavailable. Try again shortly."
# SQLAlchemy's text form of a SQLite DATETIME (no zone: the values are UTC).
_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"

_opened: dict[int, Any] = {}  # id -> an engine (dispose) or a connection (close)


def normalize_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at pg8000, the pure-Python driver the Lambda layer ships."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix):]
    return url


def connect_args(url: str) -> tuple[str, dict[str, Any]] | None:
    """(dialect, the driver's connect() keywords) for the URLs Videoflix uses, or None: the ORM's engine
    connects for any other (query options, SQLite in memory, another driver)."""
    url = normalize_database_url(url)
    if url.startswith("sqlite:///") and "?" not in url:
        path = url[len("sqlite:///"):]
        if not path or path == ":memory:":
            return None  # each connection would be another empty database: only the engine's one will do
        return SQLITE, {"database": path}
    if not url.startswith("postgresql+pg8000://"):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment or not parts.hostname or not parts.username:
        return None
    args: dict[str, Any] = {"user": unquote(parts.username), "host": parts.hostname,
                            "port": parts.port or 5432, "database": unquote(parts.path.lstrip("/")) or None}
    if parts.password is not None:
        args["password"] = unquote(parts.password)
    return POSTGRESQL, args


def sqlite_pragmas(connection: Any) -> None:
    """Every SQLite connection, the ORM's and the plain ones: WAL, a wait on locks, foreign keys."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def ensure_sqlite_folder(path: str) -> None:
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def open_connection(dialect: str, args: dict[str, Any]) -> Any:
    if dialect == SQLITE:
        import sqlite3  # the development default's driver: never loaded on Lambda
        ensure_sqlite_folder(args["database"])
        connection = sqlite3.connect(args["database"], timeout=10, check_same_thread=False)
        sqlite_pragmas(connection)
        return connection
    import pg8000.dbapi  # the driver: only a request that reaches the database loads it
    return pg8000.dbapi.connect(**args)


def is_connection_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) or type(exc).__name__ in _CONNECTION_ERRORS


def mentions_outage(message: str) -> bool:
    """Whether a driver's error message says the database could not be reached."""
    return any(word in message.lower() for word in _OUTAGE_WORDS)


def is_outage(exc: BaseException) -> bool:
    """A failure to reach the database (503, try again), not a failing statement."""
    if isinstance(exc, OSError) or type(exc).__name__ == "InterfaceError":
        return True
    return is_connection_error(exc) and mentions_outage(str(exc))


class PlainSql:
    """Statements on one DB-API cursor, written with `?` placeholders for either driver.

    Timestamps and flags are stored as the ORM stores them (timestamptz and boolean on PostgreSQL;
    on SQLite, UTC text and 0/1), so rows written either way read the same either way.
    """

    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor, self.dialect = cursor, dialect

    def _sql(self, query: str) -> str:
        return query if self.dialect == SQLITE else query.replace("?", "%s")

    def one(self, query: str, *params: Any) -> tuple | None:
        self._cursor.execute(self._sql(query), params)
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def execute(self, query: str, *params: Any) -> int:
        self._cursor.execute(self._sql(query), params)
        return self._cursor.rowcount

    def timestamp(self, moment: datetime) -> Any:
        if self.dialect == SQLITE:
            return moment.astimezone(timezone.utc).strftime(_SQLITE_DATETIME)
        return moment

    @staticmethod
    def read_timestamp(value: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def remember_opened(handle: Any) -> None:
    _opened[id(handle)] = handle


def is_opened(handle: Any) -> bool:
    """Whether `handle` is still open: not closed by `close_opened` since it was remembered."""
    return id(handle) in _opened


def forget_opened(handle: Any) -> None:
    _opened.pop(id(handle), None)


def close_opened() -> None:
    """Close every engine and plain connection this process opened (SnapStart's snapshot and restore)."""
    for handle in list(_opened.values()):
        try:
            (getattr(handle, "dispose", None) or handle.close)()
        except Exception:  # a connection already dead is closed enough
            pass
    _opened.clear()
