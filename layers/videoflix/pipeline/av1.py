"""The AV1 job: a ready film's AV1 ladder (CMAF), encoded after the film was published, joined to its master.

Queued (the AV1 queue, AV1_QUEUE_NAME, consumed by the chunk workers) in the transaction that publishes the H.264
ladder, on the single-process and the fan-out path alike, so the film is ready exactly when it
was before. The job reads the upload through a presigned URL, encodes every rung in one
SVT-AV1 process (pipeline/ladder.py), uploads segments and rendition playlists, then the master
with the AV1 variants after the H.264 ones, and marks its row ready (the catalog's cached pages
are dropped after commit). Its own lease and attempts (db/av1_jobs.py): a duplicate delivery
encodes once, a failure is retried by SQS and ends in the dead-letter queue, and never touches
the film's status: the film stays ready in H.264.
"""
from __future__ import annotations

import logging
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from sqlalchemy import select

from videoflix.db import av1_jobs
from videoflix.db.models import Video, utcnow
from videoflix.domain.attempts import AV1_MAX_ATTEMPTS
from videoflix.domain.hls import (AAC_LC_CODECS, AV1_PREFIX, AV1_RUNG_NAMES, MASTER_PLAYLIST, RUNG_PLAYLIST, Segment,
                                  VideoVariant, av1_codecs, av1_codecs_signalled, join_av1_variants, map_uris,
                                  parse_media_playlist, upload_order)
from videoflix.domain.media_layout import media_prefix
from videoflix.domain.ports import ObjectMissing, Storage
from videoflix.domain.transcode_messages import Av1Job
from videoflix.observability.logs import log_context
from videoflix.pipeline import av1_chunks, ffmpeg as ffmpeg_process, probe as probing
from videoflix.pipeline.completeness import OutputTooShort, check_encoded_duration
from videoflix.pipeline.ffmpeg import TimeBudgetExceeded
from videoflix.pipeline.ladder import (LadderSettings, build_av1_ladder_command, output_frame_rate, plan_ladder)
from videoflix.pipeline.probe import HEAD_BYTES, MediaProbe, MediaRejected
from videoflix.services import Services

log = logging.getLogger("videoflix.av1")

ENCODE_SHARE = 90  # percent of the AV1 job's progress spent in FFmpeg; the rest is uploading
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


def queue_after_publish(session, settings, video_id: int, published: bool, probe: MediaProbe,
                        audio_rendition: tuple[int, int] | None = None) -> list[int] | None:
    """In the transaction that publishes a film: its AV1 job, when AV1_LADDER is on. None: nothing to send;
    [] the one job's message; else the chunk jobs' indexes (pipeline/av1_chunks.py), a film longer than
    one job can encode. `audio_rendition`: (peak, average) b/s of the film's separate audio rendition (a
    fanned-out film's), which its AV1 chunks' variants name; a chunked film with sound needs one."""
    if not (published and settings.av1_ladder):
        return None
    if probe.duration <= av1_chunks.chunk_threshold(settings):
        av1_jobs.queue(session, video_id)
        return []
    if probe.has_audio and audio_rendition is None:
        av1_jobs.queue(session, video_id, skipped_because=(
            f"The film is longer than the {av1_chunks.chunk_threshold(settings):.0f} s one AV1 job encodes, and "
            "has no separate audio rendition for AV1 chunks to share (FANOUT_MIN_DURATION is above "
            "AV1_CHUNK_MIN_DURATION); it plays in H.264."))
        return None
    plan = av1_chunks.make_plan(settings, probe, audio_rendition)
    av1_jobs.queue_chunked(session, video_id, plan.to_json(), len(plan.chunks))
    return [chunk.index for chunk in plan.chunks]


def send_job(services: Services, video_id: int, chunks: list[int] | None = None) -> None:
    """After that commit: the job's message, or its chunks' (`chunks`, from queue_after_publish). A failure
    is logged only (the film is ready either way); the sweeper queues a job that waits too long again."""
    try:
        # The AV1 queue, never the transcode or chunk queue: new uploads' transcodes and H.264 chunks never
        # wait behind AV1 work, which gets at most Av1WorkerMaxConcurrency chunk workers (docs/fanout.md).
        if chunks:
            services.av1_queue.send_av1_chunks(video_id, chunks)
        else:
            services.av1_queue.request_av1(video_id)
    except Exception:
        log.exception("could not queue the AV1 job of video %s; the sweeper will", video_id)


class Av1Encoding:
    def __init__(self, services: Services, storage: Storage) -> None:
        self.services = services
        self.settings = services.settings
        self.storage = storage

    def run(self, job: Av1Job) -> None:
        with self.services.db.session() as session:
            claimed, attempts = av1_jobs.claim(session, job.video_id, utcnow(), self.settings.transcode_time_budget)
            source_key = session.scalar(select(Video.source_key).where(Video.id == job.video_id))
        if claimed is av1_jobs.Claimed.BUSY:
            raise av1_chunks.Busy(f"the AV1 job of video {job.video_id} is being encoded elsewhere")
        if claimed is av1_jobs.Claimed.NOTHING:
            log.info("video %s has no AV1 job to do (done, off or deleted); message dropped", job.video_id)
            return
        with log_context(video_id=job.video_id):
            try:
                renditions = self._encode_and_join(job.video_id, source_key)
            except (TimeBudgetExceeded, OutputTooShort, MediaRejected) as exc:
                # Every attempt would end the same: failed at once, not retried (the film plays in H.264).
                self._clean(job.video_id)
                reason = getattr(exc, "reason", None) or f"{type(exc).__name__}: {exc}"
                with self.services.db.session() as session:
                    av1_jobs.fail(session, job.video_id, f"The AV1 ladder cannot be made: {reason[:400]} "
                                                         "The film plays in H.264.")
                log.error("video %s: AV1 ladder failed for good: %s", job.video_id, reason)
                return
            except Exception as exc:
                self._clean(job.video_id)
                reason = f"{type(exc).__name__}: {exc}"[:500]
                with self.services.db.session() as session:
                    if attempts >= AV1_MAX_ATTEMPTS:
                        av1_jobs.fail(session, job.video_id, f"The AV1 ladder failed {attempts} times; last error: "
                                                             f"{reason}. The film plays in H.264.")
                    else:
                        av1_jobs.release_for_retry(session, job.video_id, reason)
                log.error("video %s: AV1 ladder failed (attempt %s): %s", job.video_id, attempts, reason)
                raise  # SQS retries the message, and moves it to the dead-letter queue in the end
            with self.services.db.session() as session:
                done = av1_jobs.complete(session, job.video_id, renditions)
            log.info("video %s: AV1 ladder %s %s", job.video_id, renditions,
                     "joined the master" if done else "done, but the job was taken over or deleted")

    def _encode_and_join(self, video_id: int, source_key: str) -> list[str]:
        started = time.monotonic()
        budget = self.settings.transcode_time_budget
        ladder = LadderSettings(preset=self.settings.ffmpeg_preset,
                                av1_preset=None if self.settings.av1_preset < 0 else self.settings.av1_preset)
        prefix = media_prefix(video_id)
        with tempfile.TemporaryDirectory(prefix="videoflix-av1-") as work_folder:
            output = Path(work_folder) / "out"
            output.mkdir()
            probe, source = self._source(source_key, Path(work_folder))
            command = build_av1_ladder_command(ffmpeg_process.ffmpeg_executable(), source, probe, str(output), ladder)
            ffmpeg_process.run_ffmpeg(command, duration=probe.duration,
                                      time_budget=max(1.0, budget - (time.monotonic() - started)),
                                      on_progress=lambda p: self._progress(video_id, p * ENCODE_SHARE // 100))
            variants = read_av1_output(output, probe, ladder)
            for variant in variants:
                check_encoded_duration(probe.picture_duration, sum(s.duration for s in variant.segments),
                                       "the AV1 ladder")
            files = sorted((p for p in output.glob("*/*") if p.is_file()),
                           key=lambda p: upload_order(p.relative_to(output).as_posix()))
            for path in files:  # segments and init segments first, then the rendition playlists
                self.storage.upload_media_file(path, prefix + path.relative_to(output).as_posix())
        master = self.storage.read_media_text(prefix + MASTER_PLAYLIST)
        if master is None:
            raise RuntimeError("the film's master playlist is gone")
        joined = join_av1_variants(master, variants, AAC_LC_CODECS if probe.has_audio else None)
        self.storage.put_media_text(prefix + MASTER_PLAYLIST, joined, PLAYLIST_TYPE)  # last: players see it complete
        return [variant.name for variant in variants]

    def _source(self, source_key: str, work: Path) -> tuple[MediaProbe, str]:
        """(probe, what FFmpeg reads): the upload through a presigned URL, or a downloaded copy where
        probing through the URL told nothing (as the transcoder does)."""
        bucket, budget = self.settings.upload_bucket, self.settings.transcode_time_budget
        try:
            head = self.storage.read_head(bucket, source_key, HEAD_BYTES)
            url = self.storage.presign_internal_read(bucket, source_key, budget + 60)
            return probing.probe_media_url(url, head, self.settings.max_video_duration), url
        except ObjectMissing:
            raise RuntimeError("the upload is gone from the upload bucket") from None
        except Exception as exc:
            log.info("probing %s in place told nothing (%s); downloading it", source_key, type(exc).__name__)
        copy = work / ("source" + Path(source_key).suffix.lower()[:8])
        self.storage.download(bucket, source_key, copy)
        return probing.probe_media(str(copy), max_duration=self.settings.max_video_duration), str(copy)

    def _progress(self, video_id: int, percent: int) -> None:
        with self.services.db.session() as session:
            av1_jobs.report_progress(session, video_id, percent)

    def _clean(self, video_id: int) -> None:
        """Delete what a failed attempt uploaded of the AV1 renditions (the master still names none)."""
        for planned_name in AV1_RUNG_NAMES:
            try:
                self.storage.delete_prefix(self.settings.media_bucket, f"{media_prefix(video_id)}{planned_name}/")
            except Exception:
                log.warning("could not delete %s of video %s; the sweeper will", planned_name, video_id, exc_info=True)


def read_av1_output(folder: Path, probe: MediaProbe, settings: LadderSettings) -> list[VideoVariant]:
    """The variants FFmpeg wrote, smallest first: sizes from the plan, segments measured on disk."""
    rate: Fraction = output_frame_rate(probe, settings)
    variants = []
    for planned in plan_ladder(probe):
        name = AV1_PREFIX + planned.name
        playlist = (folder / name / RUNG_PLAYLIST).read_text()
        if len(map_uris(playlist)) != 1:
            raise RuntimeError(f"{name}: an fMP4 rendition needs exactly one init segment")
        segments = tuple(Segment(uri, seconds, (folder / name / uri).stat().st_size)
                         for uri, seconds in parse_media_playlist(playlist))
        [init] = map_uris(playlist)
        computed = av1_codecs(planned.width, planned.height, rate)
        signalled = av1_codecs_signalled((folder / name / init).read_bytes())
        if signalled is not None and signalled != computed:
            log.warning("%s: the encoder signalled %s where the size and rate make %s; CODECS says what it "
                        "signalled", name, signalled, computed)
        variants.append(VideoVariant(name, planned.width, planned.height, rate, signalled or computed, segments))
    return variants
