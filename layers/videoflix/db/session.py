"""Engines and sessions built from settings, once per process and URL."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from videoflix.domain.changes import Change
from videoflix.errors import ServiceUnavailable

# Changes recorded in the open transaction, and those of transactions that committed.
_RECORDED = "videoflix.changes.recorded"
_COMMITTED = "videoflix.changes.committed"

_engines: dict[str, Engine] = {}


def normalize_database_url(url: str) -> str:
    """Point plain PostgreSQL URLs at pg8000, the pure-Python driver the Lambda layer ships."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix):]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_engine(database_url: str) -> Engine:
    url = normalize_database_url(database_url)
    engine = _engines.get(url)
    if engine is None:
        if url.startswith("sqlite"):
            _ensure_sqlite_folder(url)
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            # Lambda freezes between invocations: small pool, pre-ping to drop dead connections.
            engine = create_engine(url, pool_size=2, max_overflow=3, pool_pre_ping=True,
                                   pool_recycle=300)
        _engines[url] = engine
    return engine


def _ensure_sqlite_folder(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def record_changes(session: Session, *changes: Change) -> None:
    """Say what this transaction changes; Database.after_commit acts on it once the transaction commits."""
    session.info.setdefault(_RECORDED, []).extend(changes)


@event.listens_for(Session, "after_commit")
def _keep_committed_changes(session: Session) -> None:
    recorded = session.info.pop(_RECORDED, None)
    if recorded:
        session.info.setdefault(_COMMITTED, []).extend(recorded)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back_changes(session: Session) -> None:
    session.info.pop(_RECORDED, None)


class Database:
    """A session factory bound to one engine.

    `after_commit`, when set (videoflix.effects.install_effects), receives the changes of each
    session's committed transactions once the session is closed: the one place that acts on them.
    Built from a URL, the engine (and the database driver with it) is made on first use: a request
    the caches answer, such as a warm catalog page behind a cached login check, never loads it.
    """

    def __init__(self, engine: Engine | None = None, *, url: str | None = None) -> None:
        if engine is None and url is None:
            raise ValueError("Database needs an engine or a URL")
        self._engine = engine
        self._url = url
        self._session_factory: sessionmaker | None = None
        self.after_commit: Callable[[Sequence[Change]], None] | None = None

    @classmethod
    def from_url(cls, database_url: str) -> "Database":
        return cls(url=database_url)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = get_engine(self._url or "")
        return self._engine

    def _factory(self) -> Session:
        if self._session_factory is None:
            self._session_factory = sessionmaker(self.engine, expire_on_commit=False)
        return self._session_factory()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; outages become 503."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if _is_outage(exc):
                raise ServiceUnavailable("The database is unavailable. Try again shortly.") from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            committed = session.info.pop(_COMMITTED, None)
            if committed and self.after_commit is not None:
                self.after_commit(committed)


def _is_outage(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower() if exc.orig is not None else ""
    return any(word in text for word in ("connect", "timeout", "closed", "network", "refused"))
