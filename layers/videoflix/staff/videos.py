"""Admin use cases: create an upload, resume and complete it, list, retry, delete videos."""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from videoflix.db import video_transitions as lifecycle
from videoflix.db.ids import reserve_video_id
from videoflix.db.models import Av1Job, Video
from videoflix.db.session import record_changes
from videoflix.db.video_transitions import new_video
from videoflix.domain.changes import CatalogChanged, FilesDiscarded, UploadAbandoned
from videoflix.domain.containers import HEAD_BYTES, SUPPORTED_FORMATS_TEXT, describe_unsupported, sniff_container
from videoflix.domain.media_layout import media_prefix, upload_prefix
from videoflix.domain.ports import ObjectMissing, Storage
from videoflix.domain.upload_size import upload_size_refusal
from videoflix.domain.video_json import admin_video, av1_state
from videoflix.domain.video_states import VideoState
from videoflix.errors import Conflict, FieldErrors, NotFound
from videoflix.services import Services
from videoflix.staff.history import record

ACCEPTED_CONTENT_TYPES = {
    "video/mp4": ".mp4", "video/quicktime": ".mov", "video/x-matroska": ".mkv", "video/webm": ".webm",
}
log = logging.getLogger("videoflix.admin")
MAX_PARTS = 10_000
THUMBNAIL_URL_TTL = 3600


@dataclass(frozen=True)
class NewVideo:
    title: str
    description: str
    category: str
    filename: str
    size: int
    content_type: str


def parse_new_video(body: dict[str, Any], max_upload_bytes: int) -> NewVideo:
    problems: dict[str, list[str]] = {}

    def text(name: str, limit: int, required: bool, line_breaks: bool = False) -> str:
        value = body.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems[name] = ["Must be a string."]
            return ""
        if "\x00" in value:  # PostgreSQL text cannot hold NUL
            problems[name] = ["Null characters are not allowed."]
            return ""
        if _has_control_characters(value, allowed="\t\n\r" if line_breaks else ""):
            # Titles end up in terminals (`videoflix videos`): no escape sequences, no fake lines.
            problems[name] = ["Control characters are not allowed."]
            return ""
        value = value.strip()
        if required and not value:
            problems[name] = ["This field may not be blank."]
        elif len(value) > limit:
            problems[name] = [f"Ensure this field has no more than {limit} characters."]
        return value

    title = text("title", 200, True)
    description = text("description", 5000, False, line_breaks=True)
    category = text("category", 80, True)
    filename = text("filename", 255, True)
    content_type = text("content_type", 100, True).lower()
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int):
        problems["size"] = ["Must be a whole number of bytes."]
    elif size <= 0:
        problems["size"] = ["The file is empty."]
    elif size > max_upload_bytes:
        problems["size"] = [f"The file is larger than the {max_upload_bytes} bytes allowed."]
    if content_type and content_type not in ACCEPTED_CONTENT_TYPES:
        problems["content_type"] = [f"Not a supported video type; use one of {', '.join(sorted(ACCEPTED_CONTENT_TYPES))}."]
    if problems:
        raise FieldErrors(problems)
    return NewVideo(title, description, category, filename, size, content_type)


def _has_control_characters(value: str, allowed: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in value)


def safe_filename(filename: str, content_type: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", filename.rsplit("/", 1)[-1]).strip(".-")[:100] or "video"
    extension = ACCEPTED_CONTENT_TYPES[content_type]
    return stem if stem.lower().endswith(extension) else f"{stem}{extension}"


def part_size_for(size: int, configured: int) -> int:
    """The configured part size, grown when needed to stay within S3's 10,000 parts."""
    return max(configured, math.ceil(size / MAX_PARTS))


def video_or_404(session: Session, video_id: int) -> Video:
    """The video, whatever its state, for staff: NotFound for an unknown id (the one staff lookup)."""
    video = session.get(Video, video_id)
    if video is None:
        raise NotFound("Video not found.")
    return video


class VideoAdmin:
    def __init__(self, services: Services, storage: Storage | None = None, actor: str | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.storage = storage or services.storage
        self.actor = actor  # the staff email the history records changes under (videoflix.staff.history)

    def _record(self, session, action: str, video_id: int, changes: dict[str, Any] | None = None) -> None:
        if self.actor:
            record(session, self.actor, action, "video", video_id, changes)

    def video_json(self, video: Video, av1_jobs: dict[int, Any] | None = None) -> dict[str, Any]:
        """A video as staff see it, its thumbnail URL signed, its AV1 job's state (`av1_jobs`: read already)."""
        jobs = av1_jobs if av1_jobs is not None else self._av1_jobs([video.id])
        return admin_video(video, lambda key: self.storage.presign_media(key, THUMBNAIL_URL_TTL),
                           av1_state(jobs.get(video.id)))

    def _av1_jobs(self, video_ids: list[int]) -> dict[int, Any]:
        with self.services.db.session() as session:
            return {job.video_id: job for job in session.scalars(select(Av1Job).where(Av1Job.video_id.in_(video_ids)))}

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        new = parse_new_video(body, self.settings.max_upload_bytes)
        published = body.get("published", True)
        if not isinstance(published, bool):
            raise FieldErrors.single("published", "Must be true or false.")
        with self.services.db.session() as session:
            # The upload key holds the id: taking the id first inserts the row with its real key.
            video_id = reserve_video_id(session)
            video = new_video(id=video_id, title=new.title, description=new.description, category=new.category,
                              filename=new.filename, size=new.size, content_type=new.content_type,
                              source_key=f"{upload_prefix(video_id)}{safe_filename(new.filename, new.content_type)}",
                              published=published)
            session.add(video)
            session.flush()
            # If S3 refuses, the transaction rolls back: no row without an upload.
            video.upload_id = self.storage.start_multipart_upload(video.source_key, new.content_type)
            session.flush()
            self._record(session, "video.upload", video.id, {"title": [None, video.title],
                                                             "published": [None, published]})
            return {"video": self.video_json(video), "upload": self._upload_plan(video, [])}

    def _upload_plan(self, video: Video, done: list) -> dict[str, Any]:
        part_size = part_size_for(video.size, self.settings.upload_part_size)
        part_count = max(1, math.ceil(video.size / part_size))
        done_numbers = {part.part_number for part in done}
        ttl = self.settings.upload_url_ttl
        return {
            "key": video.source_key, "upload_id": video.upload_id, "part_size": part_size,
            "part_count": part_count, "expires_in": ttl,
            "parts": [{"part_number": n, "url": self.storage.presign_part(video.source_key, video.upload_id, n, ttl)}
                      for n in range(1, part_count + 1) if n not in done_numbers],
            "parts_done": [{"part_number": p.part_number, "etag": p.etag, "size": p.size} for p in done],
        }

    def upload_status(self, video_id: int) -> dict[str, Any]:
        """The plan to resume an interrupted upload: fresh URLs for the parts S3 lacks."""
        with self.services.db.session() as session:
            video = video_or_404(session, video_id)
            if video.status != VideoState.AWAITING_UPLOAD or not video.upload_id:
                raise Conflict(f"The upload of this video is finished (status {video.status}).")
            return self._upload_plan(video, self.storage.uploaded_parts(video.source_key, video.upload_id))

    def complete(self, video_id: int, body: dict[str, Any]) -> dict[str, Any]:
        parts = _parse_parts(body)
        with self.services.db.session() as session:
            video = video_or_404(session, video_id)
            if video.status != VideoState.AWAITING_UPLOAD or not video.upload_id:
                raise Conflict(f"The upload of this video is already complete (status {video.status}).")
            key, upload_id, declared = video.source_key, video.upload_id, video.size
        listed = self._listed_size(key, upload_id, parts)
        if listed is not None:  # refused before S3 assembles the file (and its event starts a transcode)
            self._refuse_wrong_size(video_id, listed, declared, upload_id)
        try:
            self.storage.complete_multipart_upload(key, upload_id, parts)
        except Exception as exc:
            if _s3_error_code(exc) in {"InvalidPart", "InvalidPartOrder", "EntityTooSmall", "NoSuchUpload",
                                       "InvalidRequest", "MalformedXML"}:
                raise FieldErrors.single("parts", "The parts do not match the upload: "
                                         f"{_s3_error_code(exc)}. Upload the missing parts and retry.") from None
            raise
        # The file S3 assembled decides (the listing may be stale); the transcoder checks it again.
        self._refuse_wrong_size(video_id, self.storage.size_of(self.settings.upload_bucket, key), declared, None)
        with self.services.db.session() as session:
            # Conditional: the transcoder may already have claimed the video from the S3 event.
            lifecycle.complete_upload(session, video_id)
            self._record(session, "video.upload_complete", video_id, {"size": [None, declared]})
            return {"video": self.video_json(video_or_404(session, video_id))}

    def _listed_size(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> int | None:
        """Bytes of the named parts as S3 lists them; None when a part is not so uploaded (S3's
        completion then answers) or the listing fails (the completed file is measured instead)."""
        try:
            uploaded = {part.part_number: part for part in self.storage.uploaded_parts(key, upload_id)}
        except Exception:
            return None
        total = 0
        for number, etag in parts:
            part = uploaded.get(number)
            if part is None or part.etag.strip('"') != etag.strip('"'):
                return None
            total += part.size
        return total

    def _refuse_wrong_size(self, video_id: int, actual: int, declared: int, upload_id: str | None) -> None:
        """Fail the video and delete its file when `actual` bytes are not what was declared and allowed."""
        reason = upload_size_refusal(actual, declared, self.settings.max_upload_bytes)
        if reason is None:
            return
        with self.services.db.session() as session:
            # Whatever state the upload reached (the transcoder may have claimed it from S3's event),
            # it ends failed with the reason: nothing looks as if it were still coming.
            lifecycle.refuse_upload(session, video_id, reason, stage="upload")
            self._record(session, "video.upload_refused", video_id, {"error": [None, reason]})
            video = video_or_404(session, video_id)
            key = video.source_key
        if upload_id:
            self.storage.abort_multipart_upload(key, upload_id)
        try:
            self.storage.delete_prefix(self.settings.upload_bucket, upload_prefix(video_id))
        except Exception:
            # The video is failed already; `videoflix delete` removes what stays.
            log.exception("could not delete the refused upload of video %s", video_id)
        raise FieldErrors.single("size", reason)

    def list(self) -> list[dict[str, Any]]:
        with self.services.db.session() as session:
            videos = session.scalars(select(Video).order_by(Video.created_at.desc(), Video.id.desc())).all()
            jobs = self._av1_jobs([v.id for v in videos])  # one query for the page, not one per film
            return [self.video_json(v, jobs) for v in videos]

    def get(self, video_id: int) -> dict[str, Any]:
        with self.services.db.session() as session:
            return self.video_json(video_or_404(session, video_id))

    def retry(self, video_id: int) -> dict[str, Any]:
        self._check_file_kept(video_id)
        with self.services.db.session() as session:
            changed = lifecycle.retry_by_admin(session, video_id)
            video = video_or_404(session, video_id)
            if not changed:
                raise Conflict(f"Only failed videos can be retried (status {video.status}).")
            self._record(session, "video.retry", video_id, {"status": [VideoState.FAILED, VideoState.UPLOADED]})
            # Inside the transaction: if the queue cannot be reached, the video stays failed.
            self.services.transcode_queue.request(video.source_key, video.size, "Retry")
            return {"video": self.video_json(video)}

    def _check_file_kept(self, video_id: int) -> None:
        """A failed video whose file is gone (its upload was refused) has nothing to transcode again."""
        with self.services.db.session() as session:
            video = video_or_404(session, video_id)
            status, key = video.status, video.source_key
        if status != VideoState.FAILED:
            return  # answered below, as before
        upload_again = f"Upload the film again: `videoflix delete {video_id}`, then `videoflix upload FILE`."
        try:
            head = self.storage.read_head(self.settings.upload_bucket, key, HEAD_BYTES)
        except ObjectMissing:
            raise Conflict("The file of this video is no longer in the upload bucket (its upload was refused "
                           f"or deleted): there is nothing to transcode again. {upload_again}") from None
        except Exception:
            log.warning("could not check the file of video %s; retrying anyway", video_id, exc_info=True)
            return
        # A file that is no video fails the same way every time: say so instead of queueing it.
        if not head:
            raise Conflict(f"The file of this video is empty: transcoding it again would fail the same way. "
                           f"{upload_again}")
        if sniff_container(head) is None:
            raise Conflict(f"The file of this video is not a video in a supported format (it looks like "
                           f"{describe_unsupported(head)}): transcoding it again would fail the same way. "
                           f"Upload an {SUPPORTED_FORMATS_TEXT} file: `videoflix delete {video_id}`, then "
                           "`videoflix upload FILE`.")

    def delete(self, video_id: int) -> None:
        """Delete the row and record it in one transaction; its files go once that has committed
        (videoflix.effects): a failed commit leaves everything in place, a failed deletion of files
        leaves them to the sweeper (no row names them any more)."""
        with self.services.db.session() as session:
            video = video_or_404(session, video_id)
            self._record(session, "video.delete", video_id, {"title": [video.title, None]})
            if video.upload_id:
                record_changes(session, UploadAbandoned(video.source_key, video.upload_id))
            record_changes(session, CatalogChanged(),
                           FilesDiscarded(self.settings.upload_bucket, upload_prefix(video_id)),
                           FilesDiscarded(self.settings.media_bucket, media_prefix(video_id)))
            session.delete(video)


def _parse_parts(body: dict[str, Any]) -> list[tuple[int, str]]:
    parts = body.get("parts")
    if not isinstance(parts, list) or not parts:
        raise FieldErrors.single("parts", "A non-empty list of {part_number, etag} is required.")
    parsed = []
    for item in parts:
        number = item.get("part_number") if isinstance(item, dict) else None
        etag = item.get("etag") if isinstance(item, dict) else None
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_PARTS \
                or not isinstance(etag, str) or not etag or len(etag) > 200:
            raise FieldErrors.single("parts", "Each part needs an integer part_number (1-10000) and an etag.")
        parsed.append((number, etag))
    numbers = [n for n, _ in parsed]
    if len(set(numbers)) != len(numbers):
        raise FieldErrors.single("parts", "Part numbers must be unique.")
    return sorted(parsed)


def _s3_error_code(exc: BaseException) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")

