"""`Video Ready` and `Video Failed` on the event bus, so other systems react without polling.

Published by videoflix.effects right after the status change commits (a film is never ready or failed in an event
before it is in the database); a failure to publish is logged and measured, never fails the film.
Schema (docs/operations.md): source `videoflix`, detail-type `Video Ready` | `Video Failed`,
detail `{"id", "title", "duration", "renditions", "reason"}` (reason: null when ready).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
