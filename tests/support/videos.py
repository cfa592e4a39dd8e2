"""Reading and changing video rows directly, for tests that set up or check states."""
from __future__ import annotations

from sqlalchemy import update

from videoflix.db.models import Video


def video_row(services, video_id: int) -> Video:
    """The video as the database holds it now, detached from its session."""
    with services.db.session() as session:
        video = session.get(Video, video_id)
        session.expunge(video)
        return video


def set_video(services, video_id: int, **values) -> None:
    with services.db.session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(**values))
