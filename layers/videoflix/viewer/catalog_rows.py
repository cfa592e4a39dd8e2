"""The catalog's database reads, through the ORM: loaded by videoflix.viewer.catalog on a cache miss
only, so a cold catalog function answering from the caches never loads SQLAlchemy (issue 25)."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select

from videoflix.db.models import Video
from videoflix.domain.video_json import catalog_video
from videoflix.domain.video_states import VideoState

# The films viewers see, in the list and in searches (videoflix.viewer.finding_rows): ready and published.
LISTED = (Video.status == VideoState.READY, Video.published.is_(True))


def listed_videos(db: Any, thumbnail_url: Callable[[str], str]) -> list[dict[str, Any]]:
    """The catalog list: ready, published films, newest first, as `GET /api/video/` answers them."""
    with db.session() as session:
        videos = session.scalars(select(Video).where(*LISTED)
                                 .order_by(Video.created_at.desc(), Video.id.desc())).all()
        return [catalog_video(video, thumbnail_url) for video in videos]


def ready_video_row(db: Any, video_id: int) -> tuple[int, tuple[str, ...], str, float, bool] | None:
    """(id, renditions, version, duration, published) of a ready film; None unless it is ready."""
    with db.session() as session:
        video = session.get(Video, video_id)
        if video is None or video.status != VideoState.READY:
            return None
        return (video.id, tuple(video.renditions or ()), _version(video), video.duration or 0.0,
                video.published is not False)


def _version(video: Video) -> str:
    return str(int(video.ready_at.timestamp())) if video.ready_at else "0"
