"""Rows that tests set up directly, as a given state rather than through the use cases."""
from __future__ import annotations

from datetime import timedelta

from videoflix.db.ids import reserve_video_id
from videoflix.db.models import Video, utcnow


def insert_video(services, status: str, size: int = 10, **values) -> int:
    """A video row in `status` with its upload key `uploads/<id>/f.mp4`; a processing one holds a live lease."""
    with services.db.session() as session:
        video_id = reserve_video_id(session)
        columns = dict(id=video_id, title=status, description="", category="Drama", status=status, progress=0,
                       filename="f.mp4", content_type="video/mp4", size=size,
                       source_key=f"uploads/{video_id}/f.mp4", renditions=[], attempts=0)
        if status == "processing":
            columns["lease_expires_at"] = utcnow() + timedelta(hours=1)
        session.add(Video(**{**columns, **values}))
    return video_id
