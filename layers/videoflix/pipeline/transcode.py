"""The transcoding job: S3 upload event in, HLS ladder in the media bucket and a ready video out.

Who works is decided by a conditional update (a lease) in the database, so duplicate
deliveries transcode once. Output is published (status `ready`) only after every file is
uploaded; any failure deletes the partial output.
"""
from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from videoflix.domain.ports import ObjectMissing
from videoflix.adapters.sqs_batch import process_sqs_batch
from videoflix.db import video_transitions as lifecycle
from videoflix.db.models import Video, utcnow
from videoflix.domain.attempts import TRANSCODE_MAX_ATTEMPTS
from videoflix.domain.hls import MASTER_PLAYLIST, RUNG_PLAYLIST, master_variants, playlist_seconds, upload_order
from videoflix.domain.media_layout import POSTER_FILE, kept_with_output, media_prefix, poster_key, upload_prefix
from videoflix.domain.ports import Storage
from videoflix.domain.transcode_messages import (UploadedObject, parse_av1_job, parse_poster_job,
                                                parse_upload_notification)
from videoflix.domain.upload_size import upload_size_refusal
from videoflix.observability import metrics
from videoflix.observability.logs import log_context
from videoflix.pipeline import av1, ffmpeg as ffmpeg_process, probe as probing
from videoflix.pipeline.completeness import OutputTooShort, check_encoded_duration
from videoflix.pipeline.fanout.coordinator import dispatch_fanout, should_fan_out
from videoflix.pipeline.ffmpeg import TimeBudgetExceeded
from videoflix.pipeline.ladder import LadderSettings, build_ladder_command
from videoflix.pipeline.poster import make_chosen_poster, make_poster
from videoflix.pipeline.probe import HEAD_BYTES, MediaProbe, MediaRejected
from videoflix.pipeline.storyboard_maker import make_storyboard
from videoflix.services import Services

log = logging.getLogger("videoflix.transcoder")

TRANSCODE_SHARE = 90  # percent of progress spent in FFmpeg; the rest is uploading
GONE = "The uploaded file is gone from the upload bucket; upload the film again."


@dataclass(frozen=True)
class Claim:
    video_id: int
    attempts: int
    declared_size: int  # bytes, as the upload was created with


class PermanentFailure(Exception):
    """The input can never succeed: fail the video, do not retry the message."""


class UploadRefused(PermanentFailure):
    """The uploaded file is not what was declared and allowed: fail the video and delete the file."""


class TranscodeJob:
    def __init__(self, services: Services, storage: Storage | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self._storage = storage

    @property
    def storage(self) -> Storage:
        """The given storage, else the services' (looked up when used: a batch of test events needs none)."""
        return self._storage or self.services.storage

    # -- entry --------------------------------------------------------------------------
    def handle_batch(self, event: dict[str, Any]) -> dict:
        return process_sqs_batch(event, self.handle_record)

    def handle_record(self, record: dict[str, Any]) -> None:
        poster = parse_poster_job(record.get("body", ""))
        if poster is not None:  # staff chose a frame as the poster (videoflix.staff.posters)
            make_chosen_poster(self.services, poster, self.storage)
            return
        av1_job = parse_av1_job(record.get("body", ""))
        # A ready film's AV1 ladder (videoflix.pipeline.av1): AV1 jobs go to the AV1 queue now; one queued here
        # before that (in flight at the deploy) is still encoded.
        if av1_job is not None:
            av1.Av1Encoding(self.services, self.storage).run(av1_job)
            return
        for uploaded in parse_upload_notification(record.get("body", "")):
            if uploaded.bucket != self.settings.upload_bucket:
                log.warning("ignoring object in unexpected bucket %s", uploaded.bucket)
                continue
            self.transcode(uploaded)

    # -- the state machine in the database ------------------------------------------------
    def claim(self, key: str) -> Claim | None:
        now = utcnow()
        with self.services.db.session() as session:
            video_id = session.scalars(select(Video.id).where(Video.source_key == key)).first()
            if video_id is None:
                log.warning("no video for uploaded key %r; dropping the event", key)
                return None
            if not lifecycle.claim(session, video_id, now, self.settings.transcode_time_budget):
                log.info("video %s is already being processed or done; duplicate event ignored", video_id)
                return None
            attempts, declared_size = session.execute(select(Video.attempts, Video.size)
                                                      .where(Video.id == video_id)).one()
        return Claim(video_id, attempts, declared_size)

    def report_progress(self, video_id: int, percent: int) -> None:
        with self.services.db.session() as session:
            lifecycle.report_progress(session, video_id, percent)

    def fail(self, video_id: int, reason: str) -> None:
        with self.services.db.session() as session:
            lifecycle.fail(session, video_id, reason, stage="transcode")
        log.error("video %s failed: %s", video_id, reason)

    def release_for_retry(self, video_id: int, reason: str) -> None:
        with self.services.db.session() as session:
            lifecycle.release_for_retry(session, video_id, reason)

    # -- the work -------------------------------------------------------------------------
    def transcode(self, uploaded: UploadedObject) -> None:
        claim = self.claim(uploaded.key)
        if claim is None:
            return
        # This record's log lines name its video; the next record's (and a test's) do not.
        with log_context(video_id=claim.video_id):
            self._transcode_claimed(claim, uploaded)

    def _transcode_claimed(self, claim: Claim, uploaded: UploadedObject) -> None:
        prefix = media_prefix(claim.video_id)
        # A worker that died mid-run (its lease expired) may have left part of its output.
        self._clean_output(prefix)
        try:
            self._check_upload_size(claim, uploaded)  # before anything downloads or probes it, on every path
            self._produce(claim.video_id, uploaded)
        except UploadRefused as exc:
            self.fail(claim.video_id, str(exc))
            self._delete_upload(claim.video_id)
        except PermanentFailure as exc:
            self._clean_output(prefix)
            self.fail(claim.video_id, str(exc))
        except Exception as exc:
            self._clean_output(prefix)
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if claim.attempts >= TRANSCODE_MAX_ATTEMPTS:
                self.fail(claim.video_id, f"Transcoding failed {claim.attempts} times; last error: {reason}. "
                                          "Check the file and use retry.")
            else:
                self.release_for_retry(claim.video_id, reason)
            raise  # the message is retried by SQS, and lands in the dead-letter queue in the end

    def _check_upload_size(self, claim: Claim, uploaded: UploadedObject) -> None:
        try:
            actual = self.storage.size_of(uploaded.bucket, uploaded.key)
        except ObjectMissing:
            raise PermanentFailure(GONE) from None
        reason = upload_size_refusal(actual, claim.declared_size, self.settings.max_upload_bytes)
        if reason is not None:
            raise UploadRefused(reason)

    def _delete_upload(self, video_id: int) -> None:
        try:
            self.storage.delete_prefix(self.settings.upload_bucket, upload_prefix(video_id))
        except Exception:
            # The video is failed already; `videoflix delete` removes what stays.
            log.exception("could not delete the refused upload of video %s", video_id)

    def _clean_output(self, prefix: str) -> None:
        try:
            self.storage.delete_prefix(self.settings.media_bucket, prefix, keep=kept_with_output(prefix))
        except Exception:
            # The sweeper (and a retry, which rewrites the prefix) will clean what is left.
            log.exception("could not delete partial output %s", prefix)

    def _produce(self, video_id: int, uploaded: UploadedObject) -> None:
        started = time.monotonic()
        budget = self.settings.transcode_time_budget

        def time_left() -> float:
            """The budget covers the whole job (download included): it must end before Lambda's timeout."""
            left = budget - (time.monotonic() - started)
            if left <= 0:
                raise TimeBudgetExceeded("the time budget was spent before FFmpeg could start")
            return left

        with tempfile.TemporaryDirectory(prefix="videoflix-transcode-") as work_folder:
            work = Path(work_folder)
            source = work / ("source" + Path(uploaded.key).suffix.lower()[:8])
            output = work / "out"
            output.mkdir()
            in_place = self._probe_in_place(uploaded)
            if in_place is None:  # the downloaded copy is judged, and read from
                self._download(uploaded, source)
                probe, readable = self._probe_copy(source), str(source)
            else:
                probe, readable = in_place
            if should_fan_out(self.settings, probe.duration):
                # A long film: the chunk workers read their ranges through URLs too, so nobody
                # downloads the whole upload (up to MAX_UPLOAD_BYTES) before the encoding starts
                # (unless the probe through a URL could not judge it: then the copy is read).
                dispatch_fanout(self.services, self.storage, video_id, uploaded, probe, readable, work, time_left)
                return
            if in_place is not None:  # the bytes already probed through the URL, encoded from a copy
                self._download(uploaded, source)
            thumbnail = output / POSTER_FILE
            try:
                ladder = build_ladder_command(ffmpeg_process.ffmpeg_executable(), str(source), probe, str(output),
                                              LadderSettings(preset=self.settings.ffmpeg_preset))
                ffmpeg_process.run_ffmpeg(ladder, duration=probe.duration, time_budget=time_left(),
                           on_progress=lambda p: self.report_progress(video_id, p * TRANSCODE_SHARE // 100))
                make_poster(str(source), probe, thumbnail, video_id, time_left)
            except TimeBudgetExceeded:
                raise PermanentFailure(
                    f"Transcoding took longer than the {budget} s budget. Upload a shorter or smaller "
                    "file, or raise TRANSCODE_TIME_BUDGET.") from None
            _check_complete(output, probe)

            make_storyboard(str(source), probe, output, video_id, time_left)  # published with the rest, or not at all
            renditions = master_variants((output / MASTER_PLAYLIST).read_text())
            thumbnail_key = poster_key(video_id) if thumbnail.is_file() else None
            self._publish(video_id, output, media_prefix(video_id))
        with self.services.db.session() as session:
            published = lifecycle.publish(session, video_id, duration=probe.duration, width=probe.display_width,
                                          height=probe.display_height, renditions=renditions,
                                          thumbnail_key=thumbnail_key, stage="single")
            av1_queued = av1.queue_after_publish(session, self.settings, video_id, published, probe)
        if av1_queued is not None:
            av1.send_job(self.services, video_id, av1_queued)
        if not published:
            # Deleted (or taken over) while we worked: our output belongs to nobody.
            self._clean_output(media_prefix(video_id))
            log.warning("video %s vanished or changed state during transcoding; output removed", video_id)
            return
        seconds = time.monotonic() - started
        log.info("video %s ready: %s, %.1f s in %.1f s", video_id, renditions, probe.duration, seconds)
        if probe.duration > 0:
            metrics.emit(metrics.TRANSCODE_SECONDS_PER_FILM_SECOND, round(seconds / probe.duration, 4), Path="single")

    def _download(self, uploaded: UploadedObject, source: Path) -> None:
        try:
            self.storage.download(uploaded.bucket, uploaded.key, source)
        except ObjectMissing:
            raise PermanentFailure(GONE) from None

    def _probe_copy(self, source: Path) -> MediaProbe:
        try:
            return probing.probe_media(str(source), max_duration=self.settings.max_video_duration)
        except MediaRejected as exc:
            raise PermanentFailure(exc.reason) from None

    def _probe_in_place(self, uploaded: UploadedObject) -> tuple[MediaProbe, str] | None:
        """(probe, presigned URL) of the upload, read by ranges where it lies; None when that
        cannot tell, and the downloaded copy is then judged (a rejection, a failed read)."""

        try:
            head = self.storage.read_head(uploaded.bucket, uploaded.key, HEAD_BYTES)
            url = self.storage.presign_internal_read(uploaded.bucket, uploaded.key,
                                                     expires_in=self.settings.transcode_time_budget + 60)
            return probing.probe_media_url(url, head, self.settings.max_video_duration), url
        except Exception as exc:  # every verdict and error is the download path's to give
            log.info("probing %s in place told nothing (%s: %s); downloading it", uploaded.key,
                     type(exc).__name__, exc)
            return None

    def _publish(self, video_id: int, output: Path, prefix: str) -> None:
        """Upload segments first and playlists last, so a reader never sees a playlist early."""
        files = sorted((p for p in output.rglob("*") if p.is_file()),
                       key=lambda p: upload_order(p.relative_to(output).as_posix()))
        for index, path in enumerate(files, start=1):
            self.storage.upload_media_file(path, prefix + path.relative_to(output).as_posix())
            if index % 10 == 0 or index == len(files):
                self.report_progress(video_id, TRANSCODE_SHARE + (99 - TRANSCODE_SHARE) * index // len(files))


def _check_complete(output: Path, probe: MediaProbe) -> None:
    """Every rung must cover the picture the source announced: a file cut off in transit is not a film."""
    encoded = min((playlist_seconds(path.read_text()) for path in output.glob(f"*/{RUNG_PLAYLIST}")), default=0.0)
    try:
        check_encoded_duration(probe.picture_duration, encoded, "the film")
    except OutputTooShort as exc:
        raise PermanentFailure(exc.reason) from None


def transcode_batch(event: dict[str, Any], services: Services) -> dict:
    return TranscodeJob(services).handle_batch(event)
