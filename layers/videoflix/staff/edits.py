"""Staff edits of a video: title, description, category and whether viewers see it."""
from __future__ import annotations

from typing import Any

from videoflix.db.models import Video
from videoflix.db.session import record_changes
from videoflix.domain.changes import CatalogChanged
from videoflix.errors import FieldErrors
from videoflix.services import Services
from videoflix.staff.history import diff, record
from videoflix.staff.videos import VideoAdmin, parse_new_video, video_or_404

EDITABLE = ("title", "description", "category", "published")


def parse_video_changes(body: dict[str, Any], video: Video, max_upload_bytes: int) -> dict[str, Any]:
    """The fields to change, validated exactly as a new video's are; 400 when none is given."""
    given = [name for name in EDITABLE if name in body]
    if not given:
        raise FieldErrors.single("non_field_errors", f"Send at least one of {', '.join(EDITABLE)}.")
    # The creation rules, applied to the video as it would become (the upload fields are its own).
    texts = parse_new_video({"title": video.title, "description": video.description, "category": video.category,
                             **{name: body[name] for name in given if name != "published"},
                             "filename": video.filename, "size": 1, "content_type": "video/mp4"},
                            max_upload_bytes)
    changes: dict[str, Any] = {name: getattr(texts, name) for name in given if name != "published"}
    if "published" in given:
        if not isinstance(body["published"], bool):
            raise FieldErrors.single("published", "Must be true or false.")
        changes["published"] = body["published"]
    return changes


def edit_video(services: Services, actor: str, video_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Apply the changes, record them, and drop the catalog caches: viewers see it on their next request."""
    admin = VideoAdmin(services, actor=actor)
    with services.db.session() as session:
        video = video_or_404(session, video_id)
        changes = parse_video_changes(body, video, services.settings.max_upload_bytes)
        changed = diff({name: getattr(video, name) for name in changes}, changes)
        for name, value in changes.items():
            setattr(video, name, value)
        if changed:
            action = "video.edit"
            if set(changed) == {"published"}:
                action = "video.publish" if changes["published"] else "video.unpublish"
            record(session, actor, action, "video", video_id, changed)
        record_changes(session, CatalogChanged())
        session.flush()
        return admin.video_json(video)
