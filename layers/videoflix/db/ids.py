"""Ids taken before their row's insert, so a row that holds its own id (a video's upload key)
is inserted whole, in one statement."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def reserve_video_id(session: Session) -> int:
    """The id for a new video, never one given before (PostgreSQL's sequence, SQLite's AUTOINCREMENT)."""
    if session.connection().dialect.name == "postgresql":
        return int(session.scalar(text("SELECT nextval(pg_get_serial_sequence('videos', 'id'))")))
    # SQLite (migration 0003 made `videos` AUTOINCREMENT): past the highest id ever given. A write
    # comes first because it takes the database's write lock until this transaction ends, so no
    # other writer can take the same id between this read and the insert.
    session.execute(text("UPDATE videos SET id = id WHERE 0"))
    return int(session.scalar(text(
        "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'videos'), 0), "
        "coalesce((SELECT max(id) FROM videos), 0)) + 1")))
