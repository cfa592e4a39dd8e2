"""Finding films in the database, through the ORM: loaded by videoflix.viewer.finding on a cache miss
only (a cold catalog function answering from the caches never loads SQLAlchemy; issue 25)."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import func, or_, select

from videoflix.db.models import Video
from videoflix.domain.video_json import catalog_video
from videoflix.viewer.catalog_rows import LISTED


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def found_videos(db: Any, category: str, q: str, page: int, page_size: int,
                 thumbnail_url: Callable[[str], str]) -> tuple[list[dict[str, Any]], int]:
    """One page of the listed films in `category` (any when empty) whose title or description holds `q`
    (case-insensitive), newest first, and how many there are in all."""
    ready = [*LISTED]
    if category:
        ready.append(func.lower(Video.category) == category.lower())
    if q:
        pattern = _like_pattern(q)
        ready.append(or_(func.lower(Video.title).like(pattern, escape="\\"),
                         func.lower(Video.description).like(pattern, escape="\\")))
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Video).where(*ready))
        videos = session.scalars(select(Video).where(*ready)
                                 .order_by(Video.created_at.desc(), Video.id.desc())
                                 .offset((page - 1) * page_size).limit(page_size)).all()
        return [catalog_video(v, thumbnail_url) for v in videos], int(total or 0)


def category_counts(db: Any) -> list[tuple[str, int]]:
    """(category, number of listed films) for every category that has one."""
    with db.session() as session:
        return [(name, int(count)) for name, count in
                session.execute(select(Video.category, func.count()).where(*LISTED).group_by(Video.category)).all()]
