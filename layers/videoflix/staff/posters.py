"""Posters chosen by staff: a frame of the film (a transcoder job), or an image they upload.

An uploaded image is checked here (decodes as JPEG or PNG, at most 5 MB and 4096 px a side),
re-encoded as a JPEG without any metadata, and published as the video's poster under a name of
its own (`videos/<id>/posters/<digest>.jpg`): a poster is never overwritten, so no CDN edge keeps
the old picture under the name the catalog hands out. The row names the new file, the history
records it and the previous poster is retired, all in one transaction; the upload is deleted
after that commits (videoflix.effects), the previous poster by the sweeper once no URL handed
out can reach it (videoflix.db.retired_media).

Two bounds hold before any pixel is decoded. The upload URL signs the declared size as the
body's Content-Length, so the storage refuses a body of any other length. A JPEG has at most
MAX_JPEG_SCANS scans: libjpeg decodes a progressive JPEG's scans one after the other, each
over the whole picture, so a small file of thousands of scans would burn the function's time.
"""
from __future__ import annotations

import io
import math
import tempfile
from pathlib import Path
from typing import Any

from videoflix.domain.ports import ObjectMissing
from videoflix.db.retired_media import expect_new, retire
from videoflix.db.session import record_changes
from videoflix.domain.changes import CatalogChanged, FilesDiscarded
from videoflix.domain.media_layout import POSTER_FILE, chosen_poster_key, content_digest, poster_upload_key
from videoflix.domain.video_states import VideoState
from videoflix.errors import Conflict, FieldErrors, InvalidInput
from videoflix.services import Services
from videoflix.staff.history import record
from videoflix.staff.videos import VideoAdmin, video_or_404

MAX_POSTER_BYTES = 5 * 1024 * 1024
MAX_POSTER_SIDE = 4096
POSTER_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}
POSTER_URL_TTL = 900
JPEG_QUALITY = 88
# Encoders write 1 scan (baseline) or about 10 (progressive: libjpeg's and mozjpeg's scripts);
# 50 keeps a 4096 px square under a few seconds of decoding.
MAX_JPEG_SCANS = 50


def request_poster(services: Services, actor: str, video_id: int, body: dict[str, Any]) -> tuple[int, dict]:
    """`{"at_seconds"}` queues a frame job (202); `{"content_type", "size"}` answers an upload URL (200)."""
    if "at_seconds" in body:
        return 202, frame_poster(services, actor, video_id, body["at_seconds"])
    if "content_type" in body or "size" in body:
        return 200, poster_upload(services, video_id, body.get("content_type"), body.get("size"))
    raise FieldErrors.single("non_field_errors", 'Send {"at_seconds": S} for a frame of the film, or '
                             '{"content_type": "image/jpeg"|"image/png", "size": BYTES} to upload an image.')


def frame_poster(services: Services, actor: str, video_id: int, at_seconds: Any) -> dict[str, Any]:
    if isinstance(at_seconds, bool) or not isinstance(at_seconds, (int, float)) or not math.isfinite(at_seconds) \
            or at_seconds < 0:
        raise FieldErrors.single("at_seconds", "Must be a number of seconds, 0 or more.")
    with services.db.session() as session:
        video = video_or_404(session, video_id)
        if video.status != VideoState.READY or not video.duration:
            raise Conflict(f"A frame can be chosen once the film is ready (status {video.status}).")
        if at_seconds >= video.duration:
            raise FieldErrors.single("at_seconds", f"Must be below the film's length ({video.duration:.3f} s).")
        record(session, actor, "video.poster", "video", video_id, {"poster": [None, f"frame at {at_seconds} s"]})
        session.flush()
        # Sent inside the transaction: if SQS refuses, the history row is rolled back with it.
        services.transcode_queue.request_poster(video_id, float(at_seconds))
        answer = VideoAdmin(services).video_json(video)
    return {"detail": "The poster is being made from that frame; the thumbnail changes in a few seconds.",
            "video": answer}


def poster_upload(services: Services, video_id: int, content_type: Any, size: Any) -> dict[str, Any]:
    problems: dict[str, list[str]] = {}
    if content_type not in POSTER_TYPES:
        problems["content_type"] = [f"Must be one of {', '.join(sorted(POSTER_TYPES))}."]
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        problems["size"] = ["Must be the image's size in bytes."]
    elif size > MAX_POSTER_BYTES:
        problems["size"] = [f"The image is larger than {MAX_POSTER_BYTES} bytes (5 MB)."]
    if problems:
        raise FieldErrors(problems)
    with services.db.session() as session:
        video_or_404(session, video_id)
    # The signature covers Content-Length: storage itself refuses a body of any other size.
    url = services.storage.presign_upload_put(poster_upload_key(video_id), content_type, size, POSTER_URL_TTL)
    return {"upload": {"url": url, "method": "PUT", "headers": {"Content-Type": content_type},
                       "expires_in": POSTER_URL_TTL, "content_length": size},
            "complete": f"/api/admin/videos/{video_id}/poster/complete/"}


def complete_poster(services: Services, actor: str, video_id: int) -> dict[str, Any]:
    """Check the uploaded image and publish it as the film's poster, under a name of its own."""
    settings = services.settings
    admin = VideoAdmin(services)
    with services.db.session() as session:
        video_or_404(session, video_id)
    key = poster_upload_key(video_id)
    try:
        data = admin.storage.read_head(settings.upload_bucket, key, MAX_POSTER_BYTES + 1)
    except ObjectMissing:
        raise InvalidInput("No image was uploaded: ask for an upload URL (POST .../poster/ with content_type "
                           "and size), PUT the image to it, then complete.") from None
    try:
        jpeg = reencode_poster(data)
    except FieldErrors:
        admin.storage.delete_prefix(settings.upload_bucket, key)  # refused: nothing else changes
        raise
    # A new name: nothing anyone sees changes until the row names it (a failed commit leaves a
    # leftover the sweeper deletes, never a changed picture).
    thumbnail_key = chosen_poster_key(video_id, content_digest(jpeg))
    with services.db.session() as session:
        video_or_404(session, video_id)
        expect_new(session, video_id, thumbnail_key)
    with tempfile.TemporaryDirectory(prefix="videoflix-poster-") as folder:
        path = Path(folder) / POSTER_FILE
        path.write_bytes(jpeg)
        admin.storage.upload_media_file(path, thumbnail_key)
    with services.db.session() as session:
        video = video_or_404(session, video_id)
        before = video.thumbnail_key
        video.thumbnail_key = thumbnail_key
        retire(session, video_id, before, replaced_by=thumbnail_key)
        record(session, actor, "video.poster", "video", video_id, {"poster": [before, "uploaded image"]})
        record_changes(session, CatalogChanged(), FilesDiscarded(settings.upload_bucket, key))
        session.flush()
        return {"video": admin.video_json(video)}


def reencode_poster(data: bytes) -> bytes:
    """The image as a JPEG without metadata; FieldErrors on `image` naming what is wrong with it."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    def refuse(message: str) -> FieldErrors:
        return FieldErrors.single("image", message)

    if len(data) > MAX_POSTER_BYTES:
        raise refuse(f"The image is larger than {MAX_POSTER_BYTES} bytes (5 MB).")
    if not data:
        raise refuse("The uploaded file is empty.")
    try:
        image = Image.open(io.BytesIO(data), formats=list(POSTER_TYPES.values()))
    except (UnidentifiedImageError, OSError, ValueError):
        raise refuse("The file is not a JPEG or PNG image.") from None
    width, height = image.size  # from the header: checked before any pixel is decoded
    if width > MAX_POSTER_SIDE or height > MAX_POSTER_SIDE:
        raise refuse(f"The image is {width}x{height} px; at most {MAX_POSTER_SIDE} px a side is allowed.")
    if image.format == "JPEG":
        scans = jpeg_scan_count(data, MAX_JPEG_SCANS)
        if scans > MAX_JPEG_SCANS:
            raise refuse(f"The JPEG has more than {MAX_JPEG_SCANS} scans (progressive passes); save it again "
                         "as a baseline or ordinary progressive JPEG.")
    try:
        image.load()
        image = ImageOps.exif_transpose(image)  # turned as the camera meant, before its tags are dropped
    except Exception:  # truncated or corrupt data: Pillow raises many kinds
        raise refuse("The image could not be decoded (truncated or corrupt).") from None
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, (0, 0, 0))
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)  # no exif, icc or comment is written
    return out.getvalue()


def jpeg_scan_count(data: bytes, stop_after: int) -> int:
    """How many scans (SOS segments) the JPEG in `data` has, counting no further than `stop_after` + 1.

    Walks the marker segments and skips each scan's entropy-coded data (where 0xFF is followed
    by 0x00 or a restart marker); metadata (an EXIF thumbnail's own scans) is skipped whole.
    Malformed data ends the count; the decoder then says what is wrong with it.
    """
    size, at, count = len(data), 2, 0
    while at + 4 <= size and count <= stop_after:
        if data[at] != 0xFF:
            break
        marker = data[at + 1]
        if marker == 0xFF:  # a fill byte before the marker
            at += 1
            continue
        if marker == 0xD9:  # end of image
            break
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
        if marker != 0xDA:
            continue
        count += 1
        while True:  # the scan's entropy-coded data, up to the next marker
            at = data.find(b"\xff", at)
            if at < 0 or at + 1 >= size:
                return count
            following = data[at + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                at += 2
                continue
            break
    return count
