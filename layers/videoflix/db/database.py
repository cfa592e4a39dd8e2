"""A function's database: ORM sessions for the use cases, plain SQL for the cold-start hot paths.

`Database` imports neither SQLAlchemy nor the models: the ORM (videoflix.db.session) is loaded by
the first `session()` or `engine`, so a function whose first request is a login, or a catalog page
answered from the caches, never pays for it (issue 25). `run()` runs a few statements on the
driver's own connection (videoflix.db.plain) in one transaction; once the ORM's engine exists, its
pool lends the connection instead, so a warm function keeps one pool.

`run()` is for statements no after-effect follows: the changes a use case records
(videoflix.domain.changes) travel with ORM sessions only.
"""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any, Callable, Sequence, TypeVar

from videoflix.db import plain
from videoflix.domain.changes import Change
from videoflix.errors import ServiceUnavailable

T = TypeVar("T")


class Database:
    """The database of one URL (or of a given engine, in tests and benches).

    `after_commit`, when set (videoflix.effects.install_effects), receives the changes of each
    session's committed transactions once the session is closed: the one place that acts on them.
    """

    def __init__(self, engine: Any = None, *, url: str | None = None) -> None:
        if engine is None and url is None:
            raise ValueError("Database needs an engine or a URL")
        self._engine = engine
        self._url = url
        self._session_factory: Any = None
        self._plain: Any = None  # the driver's own connection, until the engine exists
        # One statement at a time on it: a Lambda runs one request at a time, the dev stack and the
        # benches several threads over one Database.
        self._plain_lock = threading.RLock()
        self.after_commit: Callable[[Sequence[Change]], None] | None = None

    @classmethod
    def from_url(cls, database_url: str) -> "Database":
        return cls(url=database_url)

    @property
    def engine(self) -> Any:
        """The ORM's engine (SQLAlchemy), made and loaded on first use."""
        if self._engine is None:
            from videoflix.db.session import get_engine
            self._engine = get_engine(self._url or "")
            self._close_plain()  # from now on the engine's pool lends connections to run()
        return self._engine

    def session_factory(self) -> Any:
        if self._session_factory is None:
            from videoflix.db.session import session_factory
            self._session_factory = session_factory(self.engine)
        return self._session_factory()

    def session(self) -> AbstractContextManager[Any]:
        """An ORM transaction: committed on success, rolled back on error; outages become 503."""
        from videoflix.db.session import orm_session
        return orm_session(self)

    def run(self, work: Callable[[plain.PlainSql], T]) -> T:
        """`work` on a plain DB-API cursor, in one transaction (committed when it returns); 503 when the
        database cannot be reached. A connection that went stale while the function was frozen is
        replaced once, and `work` runs again: it must be safe to repeat (a read, an idempotent write)."""
        try:
            return self._run_once(work)
        except Exception as exc:
            if not plain.is_connection_error(exc):
                raise
            self._close_plain()
            try:
                return self._run_once(work)
            except Exception as again:
                if plain.is_outage(again):
                    raise ServiceUnavailable(plain.DATABASE_DOWN) from again
                raise

    def _run_once(self, work: Callable[[plain.PlainSql], T]) -> T:
        target = None if self._engine is not None or not self._url else plain.connect_args(self._url)
        if target is None:  # the ORM's engine connects: it exists already, or the URL is not one we read
            engine = self.engine
            return self._transaction(engine.raw_connection(), engine.dialect.name, True, work)
        with self._plain_lock:
            if self._plain is None or not plain.is_opened(self._plain):  # or closed for a SnapStart snapshot
                self._plain = plain.open_connection(*target)
                plain.remember_opened(self._plain)
            return self._transaction(self._plain, target[0], False, work)

    def _transaction(self, connection: Any, dialect: str, lent: bool, work: Callable[[plain.PlainSql], T]) -> T:
        """`work` in one transaction on `connection`; a connection the engine's pool `lent` goes back to it."""
        try:
            cursor = connection.cursor()
            try:
                result = work(plain.PlainSql(cursor, dialect))
            finally:
                cursor.close()
            connection.commit()
            return result
        except BaseException:
            try:
                connection.rollback()
            except Exception:  # a dead connection has nothing to roll back
                if not lent:
                    self._close_plain()
            raise
        finally:
            if lent:
                connection.close()  # back to the engine's pool

    def _close_plain(self) -> None:
        with self._plain_lock:
            connection, self._plain = self._plain, None
        if connection is not None:
            plain.forget_opened(connection)
            try:
                connection.close()
            except Exception:  # already broken: nothing to close
                pass
