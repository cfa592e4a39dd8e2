"""A film's caption tracks read from the database, through the ORM: loaded by videoflix.viewer.captions
on a cache miss only (a cold catalog function answering from the caches never loads SQLAlchemy)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from videoflix.db.models import Caption
from videoflix.db.retired_media import caption_file


def caption_version(caption: Caption) -> str:
    return str(int(caption.updated_at.timestamp() * 1000)) if caption.updated_at else "0"


def caption_tracks(db: Any, video_id: int) -> list[dict[str, Any]]:
    """The film's tracks as the viewer cache keeps them, ordered by language."""
    with db.session() as session:
        captions = session.scalars(select(Caption).where(Caption.video_id == video_id)
                                   .order_by(Caption.lang)).all()
        return [{"lang": c.lang, "label": c.label, "default": c.is_default, "version": caption_version(c),
                 "file": caption_file(c)} for c in captions]
