"""`Video Ready` and `Video Failed` on the event bus, so other systems react without polling.

Published right after the status change commits (a film is never ready or failed in an event
before it is in the database); a failure to publish is logged and measured, never fails the film.
Schema (docs/operations.md): source `videoflix`, detail-type `Video Ready` | `Video Failed`,
detail `{"id", "title", "duration", "renditions", "reason"}` (reason: null when ready).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from videoflix.observability import metrics

if TYPE_CHECKING:
    from videoflix.services import Services

log = logging.getLogger("videoflix.events")

SOURCE = "videoflix"
VIDEO_READY = "Video Ready"
VIDEO_FAILED = "Video Failed"
DETAIL_TYPES = (VIDEO_READY, VIDEO_FAILED)


@dataclass(frozen=True)
class DomainEvent:
    detail_type: str
    detail: dict[str, Any]
    source: str = SOURCE


def video_detail(video: Any) -> dict[str, Any]:
    """The detail of a video event, from its row (or anything with the same attributes)."""
    return {"id": video.id, "title": video.title, "duration": video.duration,
            "renditions": list(video.renditions or []), "reason": video.error if video.status == "failed" else None}


def video_event(video: Any) -> DomainEvent:
    return DomainEvent(VIDEO_READY if video.status == "ready" else VIDEO_FAILED, video_detail(video))


def announce(services: Services, video_id: int, stage: str) -> None:
    """After a committed publish or fail of `video_id`: count it and publish its event (never raises)."""
    from videoflix.db.models import Video

    try:
        with services.db.session() as session:
            video = session.get(Video, video_id)
            event = video_event(video) if video is not None and video.status in ("ready", "failed") else None
        if event is None:
            return
        if event.detail_type == VIDEO_READY:
            metrics.emit(metrics.VIDEOS_READY, 1, Path=stage)
        else:
            metrics.emit(metrics.VIDEOS_FAILED, 1, Stage=stage)
        services.events.publish(event)
    except Exception:
        log.exception("could not publish the event of video %s; the video itself is unaffected", video_id)
