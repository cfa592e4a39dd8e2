"""The ORM's engines and sessions, once per process and URL (videoflix.db.database.Database opens them)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from videoflix.db.plain import (DATABASE_DOWN, close_opened, ensure_sqlite_folder, is_opened, mentions_outage,
                                normalize_database_url, remember_opened, sqlite_pragmas)
from videoflix.domain.changes import Change
from videoflix.errors import ServiceUnavailable

# Changes recorded in the open transaction, and those of transactions that committed.
_RECORDED = "videoflix.changes.recorded"
_COMMITTED = "videoflix.changes.committed"

_engines: dict[str, Engine] = {}


def get_engine(database_url: str) -> Engine:
    url = normalize_database_url(database_url)
    engine = _engines.get(url)
    if engine is None or not is_opened(engine):
        if url.startswith("sqlite"):
            ensure_sqlite_folder(url.split(":///", 1)[-1])
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
            event.listen(engine, "connect", lambda connection, _record: sqlite_pragmas(connection))
        else:
            # Lambda freezes between invocations: small pool, pre-ping to drop dead connections.
            engine = create_engine(url, pool_size=2, max_overflow=3, pool_pre_ping=True,
                                   pool_recycle=300)
        _engines[url] = engine
        remember_opened(engine)  # videoflix.db.plain.close_opened disposes of it (SnapStart)
    return engine


def dispose_engines() -> None:
    """Dispose of every engine and plain connection this process opened."""
    close_opened()
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


@contextmanager
def orm_session(database: Any) -> Iterator[Session]:
    """A transaction of `database` (videoflix.db.database.Database): committed on success, rolled back
    on error, outages become 503; the committed changes go to `database.after_commit` once it is closed."""
    session = database.session_factory()
    try:
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        if _is_outage(exc):
            raise ServiceUnavailable(DATABASE_DOWN) from exc
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        committed = session.info.pop(_COMMITTED, None)
        if committed and database.after_commit is not None:
            database.after_commit(committed)


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def _is_outage(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    return exc.orig is not None and mentions_outage(str(exc.orig))
