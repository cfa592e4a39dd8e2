"""JSON shapes of videos for the admin and catalog APIs, from a video row (or anything with its attributes)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite returns naive datetimes; they are stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()

def admin_video(video: Any, thumbnail_url: Callable[[str], str], av1: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": video.id, "title": video.title, "description": video.description,
        "category": video.category, "status": video.status, "progress": video.progress,
        "error": video.error, "filename": video.filename, "size": video.size,
        "content_type": video.content_type, "duration": video.duration, "width": video.width,
        "height": video.height, "renditions": list(video.renditions or []),
        "thumbnail_url": thumbnail_url(video.thumbnail_key) if video.thumbnail_key else None,
        "created_at": iso(video.created_at), "updated_at": iso(video.updated_at),
        "published": video.published is not False,
        "av1": av1,
    }


def av1_state(job: Any) -> dict[str, Any] | None:
    """A film's AV1 job as staff see it (status, progress, error, renditions); None when it has none.
    A long film's, encoded in chunks, also says how many are done (`chunks_done` of `chunks_total`)."""
    if job is None:
        return None
    state = {"status": job.status, "progress": job.progress, "error": job.error,
             "renditions": list(job.renditions or [])}
    if getattr(job, "chunks_total", 0):
        state.update(chunks_done=job.chunks_done, chunks_total=job.chunks_total)
    return state

def catalog_video(video: Any, thumbnail_url: Callable[[str], str]) -> dict[str, Any]:
    return {
        "id": video.id, "created_at": iso(video.created_at), "title": video.title,
        "description": video.description,
        "thumbnail_url": thumbnail_url(video.thumbnail_key) if video.thumbnail_key else None,
        "category": video.category,
    }
