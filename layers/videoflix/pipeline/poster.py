"""The poster job of the transcoder: one frame of the upload, at the second staff chose, as thumbnail.jpg.

The admin API queues `{"kind": "poster", "video_id", "at_seconds"}` on the transcode queue (the API
functions carry no FFmpeg); the transcoder recognises it before reading S3 notifications.
"""
from __future__ import annotations

import json
import logging
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import update

from videoflix.db.models import Video
from videoflix.services import Services
from videoflix.videos.cache_keys import invalidate_catalog
from videoflix.videos.storage import ObjectMissing, S3Storage, media_prefix

log = logging.getLogger("videoflix.poster")

POSTER_KIND = "poster"
POSTER_TIME_BUDGET = 120  # seconds for probing and one frame, well inside the transcoder's timeout


@dataclass(frozen=True)
class PosterJob:
    video_id: int
    at_seconds: float


def poster_message(video_id: int, at_seconds: float) -> str:
    return json.dumps({"kind": POSTER_KIND, "video_id": video_id, "at_seconds": at_seconds})


def parse_poster_job(body: str) -> PosterJob | None:
    """The poster job a message body holds; None for anything else (S3 notifications).

    A poster message without a usable id or second raises ValueError: it fails, and rests in the
    dead-letter queue.
    """
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("kind") != POSTER_KIND:
        return None
    video_id, at = message.get("video_id"), message.get("at_seconds")
    if isinstance(video_id, bool) or not isinstance(video_id, int) or video_id <= 0 \
            or isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at) or at < 0:
        raise ValueError(f"malformed poster job: {body[:200]!r}")
    return PosterJob(video_id, float(at))


def build_poster_command(ffmpeg: str, source: str, probe, at_seconds: float, poster_path: str) -> list[str]:
    """The thumbnail command of the ladder (same size, flags and safe input), seeking to `at_seconds`."""
    from videoflix.pipeline.ladder import build_thumbnail_command

    command = build_thumbnail_command(ffmpeg, source, probe, poster_path)
    command[command.index("-ss") + 1] = f"{at_seconds:.3f}"
    return command


def make_poster(services: Services, job: PosterJob, storage: S3Storage | None = None) -> bool:
    """Replace the video's thumbnail.jpg with the frame at `job.at_seconds`; False when it cannot be made.

    A video gone, a file gone or no frame there is logged and dropped (retrying cannot help);
    S3 or database failures raise, so SQS delivers the job again.
    """
    from videoflix.pipeline.ffmpeg import FFmpegFailed, TimeBudgetExceeded, ffmpeg_executable, run_ffmpeg

    settings = services.settings
    storage = storage or S3Storage(settings)
    with services.db.session() as session:
        video = session.get(Video, job.video_id)
        source_key = video.source_key if video is not None else None
    if source_key is None:
        log.warning("poster for video %s: no such video; dropped", job.video_id)
        return False
    with tempfile.TemporaryDirectory(prefix="videoflix-poster-") as work_folder:
        work = Path(work_folder)
        found = _probe(services, storage, source_key, work)
        if found is None:
            return False
        probe, source = found
        poster = work / "thumbnail.jpg"
        try:
            run_ffmpeg(build_poster_command(ffmpeg_executable(), source, probe, job.at_seconds, str(poster)),
                       duration=1.0, on_progress=None, time_budget=POSTER_TIME_BUDGET)
        except (FFmpegFailed, TimeBudgetExceeded) as exc:
            log.error("poster for video %s at %.3f s: no frame (%s); dropped", job.video_id, job.at_seconds, exc)
            return False
        if not poster.is_file() or poster.stat().st_size == 0:
            log.error("poster for video %s at %.3f s: no frame there; dropped", job.video_id, job.at_seconds)
            return False
        key = f"{media_prefix(job.video_id)}thumbnail.jpg"
        storage.upload_media_file(poster, key)
    with services.db.session() as session:
        found_row = session.execute(update(Video).where(Video.id == job.video_id).values(thumbnail_key=key)).rowcount
    invalidate_catalog(services.redis)
    log.info("video %s: poster taken at %.3f s", job.video_id, job.at_seconds)
    return bool(found_row)


def _probe(services: Services, storage: S3Storage, key: str, work: Path) -> tuple[Any, str] | None:
    """(probe, source) read where the upload lies if that tells, else from a downloaded copy."""
    from videoflix.pipeline.probe import HEAD_BYTES, MediaRejected, probe_media, probe_media_url

    settings = services.settings
    bucket = settings.upload_bucket
    try:
        head = storage.read_head(bucket, key, HEAD_BYTES)
        url = storage.presign_internal_read(bucket, key, expires_in=POSTER_TIME_BUDGET + 60)
        return probe_media_url(url, head, settings.max_video_duration), url
    except ObjectMissing:
        log.error("poster: the upload %s is gone; dropped", key)
        return None
    except Exception as exc:  # the copy decides
        log.info("probing %s in place told nothing (%s); downloading it", key, exc)
    source = work / ("source" + Path(key).suffix.lower()[:8])
    try:
        storage.download(bucket, key, source)
    except ObjectMissing:
        log.error("poster: the upload %s is gone; dropped", key)
        return None
    try:
        return probe_media(str(source), max_duration=settings.max_video_duration), str(source)
    except MediaRejected as exc:
        log.error("poster: %s is not a film (%s); dropped", key, exc.reason)
        return None
