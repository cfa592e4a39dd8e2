"""The poster of a film: one frame, made by the transcoder whether it encodes the film or fans it out,
and again at the second staff chose (a poster job), published under a name of its own
(`videos/<id>/posters/<digest>.jpg`, videoflix.domain.media_layout) while the one it replaces is retired.

The admin API queues `{"kind": "poster", "video_id", "at_seconds"}` on the transcode queue (the API
functions carry no FFmpeg; services.transcode_queue.request_poster); the transcoder recognises it
before reading S3 notifications.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select, update

from videoflix.domain.ports import ObjectMissing
from videoflix.db.models import Video
from videoflix.db.retired_media import expect_new, retire
from videoflix.db.session import record_changes
from videoflix.domain.changes import CatalogChanged
from videoflix.domain.media_layout import POSTER_FILE, chosen_poster_key, content_digest
from videoflix.domain.ports import Storage
from videoflix.domain.transcode_messages import PosterJob
from videoflix.pipeline import ffmpeg as ffmpeg_process, probe as probing
from videoflix.pipeline.ffmpeg import FFmpegFailed, TimeBudgetExceeded
from videoflix.pipeline.ladder import build_thumbnail_command
from videoflix.pipeline.probe import HEAD_BYTES, MediaProbe, MediaRejected
from videoflix.services import Services

log = logging.getLogger("videoflix.transcoder")

POSTER_TIME_BUDGET = 120  # seconds for probing and one frame, well inside the transcoder's timeout


def build_poster_command(ffmpeg: str, source: str, probe: MediaProbe, at_seconds: float,
                         poster_path: str) -> list[str]:
    """The thumbnail command of the ladder (same size, flags and safe input), seeking to `at_seconds`."""
    command = build_thumbnail_command(ffmpeg, source, probe, poster_path)
    command[command.index("-ss") + 1] = f"{at_seconds:.3f}"
    return command


def make_poster(source: str, probe: MediaProbe, path: Path, video_id: int,
                time_left: Callable[[], float], at_seconds: float | None = None) -> bool:
    """Write the poster to `path` from `source` (a local file or a presigned URL); False when there is none.

    The frame is the ladder's default one, or the one at `at_seconds` when given. Raises
    TimeBudgetExceeded when the budget is spent: that ends the whole transcode.
    """

    if at_seconds is None:
        command = build_thumbnail_command(ffmpeg_process.ffmpeg_executable(), str(source), probe, str(path))
    else:
        command = build_poster_command(ffmpeg_process.ffmpeg_executable(), str(source), probe, at_seconds, str(path))
    try:
        ffmpeg_process.run_ffmpeg(command, duration=1.0, on_progress=None, time_budget=time_left())
    except FFmpegFailed:
        # A poster is a nicety (e.g. no picture where the seek lands); the film still plays.
        log.warning("video %s: no thumbnail", video_id, exc_info=True)
        path.unlink(missing_ok=True)
        return False
    return True


def make_chosen_poster(services: Services, job: PosterJob, storage: Storage | None = None) -> bool:
    """Make the frame at `job.at_seconds` the video's poster; False when it cannot be made.

    A video gone, a file gone or no frame there is logged and dropped (retrying cannot help);
    S3 or database failures raise, so SQS delivers the job again.
    """

    storage = storage or services.storage
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
        poster = work / POSTER_FILE
        try:
            made = make_poster(source, probe, poster, job.video_id, lambda: POSTER_TIME_BUDGET, job.at_seconds)
        except TimeBudgetExceeded as exc:
            log.error("poster for video %s at %.3f s: no frame (%s); dropped", job.video_id, job.at_seconds, exc)
            return False
        if not made or not poster.is_file() or poster.stat().st_size == 0:
            log.error("poster for video %s at %.3f s: no frame there; dropped", job.video_id, job.at_seconds)
            return False
        key = chosen_poster_key(job.video_id, content_digest(poster.read_bytes()))
        with services.db.session() as session:
            if session.get(Video, job.video_id) is None:
                log.warning("poster for video %s: the video was deleted; dropped", job.video_id)
                return False
            expect_new(session, job.video_id, key)  # swept if the change below never commits
        storage.upload_media_file(poster, key)  # a new name: nothing anyone sees changes yet
    with services.db.session() as session:
        before = session.scalar(select(Video.thumbnail_key).where(Video.id == job.video_id).with_for_update())
        found_row = session.execute(update(Video).where(Video.id == job.video_id).values(thumbnail_key=key)).rowcount
        if found_row:
            retire(session, job.video_id, before, replaced_by=key)
        record_changes(session, CatalogChanged())
    log.info("video %s: poster taken at %.3f s", job.video_id, job.at_seconds)
    return bool(found_row)


def _probe(services: Services, storage: Storage, key: str, work: Path) -> tuple[Any, str] | None:
    """(probe, source) read where the upload lies if that tells, else from a downloaded copy."""
    settings = services.settings
    bucket = settings.upload_bucket
    try:
        head = storage.read_head(bucket, key, HEAD_BYTES)
        url = storage.presign_internal_read(bucket, key, expires_in=POSTER_TIME_BUDGET + 60)
        return probing.probe_media_url(url, head, settings.max_video_duration), url
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
        return probing.probe_media(str(source), max_duration=settings.max_video_duration), str(source)
    except MediaRejected as exc:
        log.error("poster: %s is not a film (%s); dropped", key, exc.reason)
        return None
