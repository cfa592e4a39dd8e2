"""Every SQL statement a block runs: the ORM's (engine events) and plain SQL's (videoflix.db.plain)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import event

from videoflix.db.plain import PlainSql


@contextmanager
def recorded_statements(database) -> Iterator[list[str]]:
    """The statements run through `database` (a videoflix.db.database.Database) inside the block."""
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args) -> None:
        seen.append(statement)

    originals = {name: getattr(PlainSql, name) for name in ("one", "execute")}

    def recording(name):
        def run(self, query, *params):
            seen.append(query)
            return originals[name](self, query, *params)
        return run

    engine = database.engine
    event.listen(engine, "before_cursor_execute", record)
    for name in originals:
        setattr(PlainSql, name, recording(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(PlainSql, name, original)
        event.remove(engine, "before_cursor_execute", record)
