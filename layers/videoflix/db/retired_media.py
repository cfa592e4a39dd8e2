"""Media objects a change replaced or removed: kept until no URL handed out can reach them, then deleted.

A change that gives a poster or a caption track a new file (or removes a track) retires the old
file in its own transaction (`retire`), and lists the new file before writing it (`expect_new`), so
that a change that never commits leaves nothing the sweeper misses; nothing is deleted then, as viewers and CDN edges may
hold signed URLs of it. The sweeper deletes what was retired longer ago than
videoflix.domain.media_layout.retired_kept_seconds (`due`, `forget`), unless a row names it again.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from videoflix.db.models import Caption, RetiredMedia, Video, utcnow
from videoflix.domain.media_layout import caption_key


def retire(session: Session, video_id: int, key: str | None, replaced_by: str | None = None) -> None:
    """`key` is no longer named by `video_id`'s row (nothing when it is None or its successor is itself)."""
    if key and key != replaced_by:
        session.add(RetiredMedia(video_id=video_id, key=key, retired_at=utcnow()))


def expect_new(session: Session, video_id: int, key: str) -> None:
    """`key` is about to be written for a change that may yet fail to commit: listed (in a transaction
    of its own, before the write) so that the sweeper deletes it in due course unless a row names it."""
    session.add(RetiredMedia(video_id=video_id, key=key, retired_at=utcnow()))


def due(session: Session, retired_before: datetime) -> list[tuple[int, int, str]]:
    """(id, video_id, key) of the objects retired before `retired_before`."""
    return [tuple(row) for row in session.execute(
        select(RetiredMedia.id, RetiredMedia.video_id, RetiredMedia.key)
        .where(RetiredMedia.retired_at < retired_before).order_by(RetiredMedia.id)).all()]


def still_retiring(session: Session, video_id: int, retired_after: datetime) -> set[str]:
    """Keys of `video_id` retired after `retired_after`: URLs of them may still be out there."""
    return set(session.scalars(select(RetiredMedia.key).where(RetiredMedia.video_id == video_id,
                                                              RetiredMedia.retired_at >= retired_after)))


def forget(session: Session, ids: list[int]) -> None:
    if ids:
        session.execute(delete(RetiredMedia).where(RetiredMedia.id.in_(ids)))


def named_keys(session: Session, video_id: int) -> set[str]:
    """The media keys `video_id`'s row and its caption tracks name now."""
    keys = {caption_file(c) for c in session.scalars(select(Caption).where(Caption.video_id == video_id))}
    thumbnail = session.scalar(select(Video.thumbnail_key).where(Video.id == video_id))
    return keys | ({thumbnail} if thumbnail else set())


def caption_file(caption: Caption) -> str:
    """The key of a track's file (the `<lang>.vtt` of a track added before files carried a digest)."""
    return caption.file_key or caption_key(caption.video_id, caption.lang)
