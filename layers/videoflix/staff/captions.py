"""Caption tracks: staff add, list and remove them (admin API, CLI); the catalog serves them as an
HLS subtitles group (videoflix.viewer.captions). Files live at `videos/<id>/captions/<lang>.<digest>.vtt`, beside the
transcode output and kept when it is replaced (videoflix.domain.media_layout.kept_with_output).

A new text gets a new name (the digest of its bytes): a file is never overwritten, so no CDN edge
keeps serving a corrected track under its old name. The file is written before the transaction
that names it (a new name changes nothing anyone sees; a failed commit leaves a leftover the
sweeper deletes); the replaced or removed file is retired in that transaction and deleted by the
sweeper once no URL handed out can reach it (videoflix.db.retired_media). Each change is recorded
in the staff history in the same transaction."""
from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import select, update

from videoflix.db.models import Caption, utcnow
from videoflix.db.retired_media import caption_file, expect_new, retire
from videoflix.db.session import record_changes
from videoflix.domain.captions import CONTENT_TYPE, CaptionError, normalize_lang, parse_caption_file
from videoflix.domain.changes import CaptionsChanged
from videoflix.domain.media_layout import caption_key, content_digest
from videoflix.domain.video_json import iso
from videoflix.errors import Conflict, FieldErrors, NotFound
from videoflix.services import Services
from videoflix.staff.history import record
from videoflix.staff.videos import video_or_404

MAX_LABEL_LENGTH = 100
ADMIN_URL_TTL = 3600
# The JSON body of a caption upload: a 2 MB file, escaped (\n, \", \uXXXX), with room to spare.
CAPTION_BODY_BYTES = 3 * 2 * 1024 * 1024 + 64 * 1024


def parse_caption_fields(body: dict[str, Any]) -> tuple[str, str, bool, str]:
    """(lang, label, default, content) of an upload, or FieldErrors naming each bad field."""
    problems: dict[str, list[str]] = {}
    raw_lang = body.get("lang")
    lang = normalize_lang(raw_lang) if isinstance(raw_lang, str) else None
    if lang is None:
        problems["lang"] = ["A language tag (BCP 47) such as de, en-GB or pt-BR is required."]
    label = body.get("label")
    if label is None or label == "":
        label = lang or ""
    elif not isinstance(label, str):
        problems["label"] = ["Must be a string."]
        label = ""
    else:
        label = label.strip()
        if any(unicodedata.category(ch) == "Cc" for ch in label) or '"' in label:
            problems["label"] = ["Control characters and double quotes are not allowed."]
        elif not label:
            problems["label"] = ["This field may not be blank."]
        elif len(label) > MAX_LABEL_LENGTH:
            problems["label"] = [f"Ensure this field has no more than {MAX_LABEL_LENGTH} characters."]
    default = body.get("default", False)
    if default is None:
        default = False
    if not isinstance(default, bool):
        problems["default"] = ["Must be true or false."]
    content = body.get("content")
    if not isinstance(content, str) or not content.strip():
        problems["content"] = ["The caption file's text (WebVTT or SRT) is required."]
    if problems:
        raise FieldErrors(problems)
    return lang, label, default, content


class CaptionAdmin:
    def __init__(self, services: Services, actor: str | None = None) -> None:
        self.services = services
        self.storage = services.storage
        self.actor = actor  # the staff email the history records changes under (videoflix.staff.history)

    def _record(self, session, action: str, video_id: int, changes: dict[str, Any]) -> None:
        if self.actor:
            record(session, self.actor, action, "video", video_id, changes)

    def _json(self, caption: Caption) -> dict[str, Any]:
        return {"lang": caption.lang, "label": caption.label, "default": caption.is_default, "cues": caption.cues,
                "url": self.storage.presign_media(caption_file(caption), ADMIN_URL_TTL),
                "created_at": iso(caption.created_at), "updated_at": iso(caption.updated_at)}

    def _duration(self, video_id: int) -> float:
        with self.services.db.session() as session:
            video = video_or_404(session, video_id)
            if not video.duration:
                raise Conflict(f"The film's duration is not known yet (status {video.status}); add captions "
                               "once it is transcoded.")
            return video.duration

    def add(self, video_id: int, body: dict[str, Any]) -> dict[str, Any]:
        lang, label, default, content = parse_caption_fields(body)
        try:
            parsed = parse_caption_file(content, self._duration(video_id))
        except CaptionError as exc:
            raise FieldErrors.single("content", str(exc)) from None
        # The file first, under a new name: a row never names a file that is not there.
        key = caption_key(video_id, lang, content_digest(parsed.text.encode("utf-8")))
        with self.services.db.session() as session:
            video_or_404(session, video_id)
            expect_new(session, video_id, key)  # swept if the change below never commits
        self.storage.put_media_text(key, parsed.text, CONTENT_TYPE)
        with self.services.db.session() as session:
            video_or_404(session, video_id)
            if default:
                session.execute(update(Caption).where(Caption.video_id == video_id, Caption.lang != lang)
                                .values(is_default=False))
            caption = session.get(Caption, (video_id, lang))
            now = utcnow()
            if caption is None:
                before = None
                caption = Caption(video_id=video_id, lang=lang, created_at=now)
                session.add(caption)
            else:
                before = {"label": caption.label, "default": caption.is_default, "cues": caption.cues,
                          "file": caption_file(caption)}
                retire(session, video_id, caption_file(caption), replaced_by=key)
            caption.label, caption.is_default, caption.cues, caption.updated_at = label, default, len(parsed.cues), now
            caption.file_key = key
            after = {"label": label, "default": default, "cues": len(parsed.cues), "file": key}
            self._record(session, "caption.replace" if before else "caption.add", video_id,
                         {"lang": [lang if before else None, lang],
                          **{name: [(before or {}).get(name), value] for name, value in after.items()}})
            record_changes(session, CaptionsChanged(video_id))
            session.flush()
            return self._json(caption)

    def list(self, video_id: int) -> list[dict[str, Any]]:
        with self.services.db.session() as session:
            video_or_404(session, video_id)
            captions = session.scalars(select(Caption).where(Caption.video_id == video_id)
                                       .order_by(Caption.lang)).all()
            return [self._json(c) for c in captions]

    def remove(self, video_id: int, raw_lang: str) -> None:
        """The track is gone for viewers once this commits; its file is retired (deleted by the sweeper
        once every URL of it has expired), not deleted now."""
        lang = normalize_lang(raw_lang)
        with self.services.db.session() as session:
            video_or_404(session, video_id)
            caption = session.get(Caption, (video_id, lang)) if lang is not None else None
            if caption is None:
                raise NotFound("The video has no captions in this language.")
            retire(session, video_id, caption_file(caption))
            self._record(session, "caption.remove", video_id, {"lang": [lang, None], "label": [caption.label, None],
                                                               "file": [caption_file(caption), None]})
            session.delete(caption)
            record_changes(session, CaptionsChanged(video_id))
