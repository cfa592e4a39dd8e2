"""The chunk worker: one fan-out job per message, a chunk of every video rung or a part of the audio.

It reads its time range straight from the upload through a presigned URL (FFmpeg asks for
byte ranges), uploads its segments, and records them; whoever records the run's last job
publishes the film. A failed job raises, so SQS brings back that message alone; after the
last attempt the video fails and its partial output is deleted.

The same function also consumes the AV1 queue (AV1_QUEUE_NAME, through an event source of its own
with fewer instances at once): a ready film's AV1 job, or a chunk of a long film's AV1 ladder.
"""
from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from videoflix.adapters.sqs_batch import process_sqs_batch
from videoflix.domain.attempts import CHUNK_MAX_ATTEMPTS
from videoflix.domain.chunk_messages import parse_chunk_message
from videoflix.domain.hls import AUDIO_RENDITION
from videoflix.domain.media_layout import kept_with_output, media_prefix
from videoflix.domain.ports import Storage
from videoflix.domain.transcode_messages import parse_av1_job
from videoflix.observability import metrics
from videoflix.observability.logs import log_context
from videoflix.pipeline import ffmpeg as ffmpeg_process
from videoflix.pipeline.av1 import Av1Encoding
from videoflix.pipeline.av1_chunk_worker import Av1ChunkEncoding
from videoflix.pipeline.completeness import OutputTooShort, check_encoded_duration, chunk_expected_seconds
from videoflix.pipeline.fanout.commands import audio_part_seconds, build_audio_command, build_chunk_command
from videoflix.pipeline.fanout.output import read_output, segment_prefix
from videoflix.pipeline.fanout.plan import STORYBOARD_JOB, VIDEO_JOB
from videoflix.pipeline.fanout.playlists import IncompleteRun, job_output
from videoflix.pipeline.fanout.publish import publish_run
from videoflix.pipeline.fanout.state import FanoutState, Finish, JobContext
from videoflix.pipeline.storyboard_maker import discard_storyboard, publish_storyboard
from videoflix.services import Services

log = logging.getLogger("videoflix.chunks")

SOURCE_URL_MARGIN_SECONDS = 300


class ChunkWorker:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.storage: Storage = services.storage
        self.state = FanoutState(services.db, self.settings.transcode_time_budget)

    def handle_batch(self, event: dict[str, Any]) -> dict:
        return process_sqs_batch(event, self.handle_record)

    def handle_record(self, record: dict[str, Any]) -> None:
        av1_job = parse_av1_job(record.get("body", ""))  # from the AV1 queue (AV1_QUEUE_NAME)
        if av1_job is not None and av1_job.chunk is None:  # a ready film's whole AV1 ladder (pipeline/av1.py)
            Av1Encoding(self.services, self.storage).run(av1_job)
            return
        if av1_job is not None:  # a chunk of a long film's AV1 ladder (pipeline/av1_chunk_worker.py)
            Av1ChunkEncoding(self.services, self.storage).run(av1_job)
            return
        message = parse_chunk_message(record.get("body", ""))
        receives = int((record.get("attributes") or {}).get("ApproximateReceiveCount", 1))
        context = self.state.begin_job(message.job_id, receives)
        if context is None:
            log.info("job %s: its run or video is gone; message dropped", message.job_id)
            return
        with log_context(video_id=context.video_id):  # this job's lines only
            if not context.done and not self._work(context):
                return
            self._publish_if_last(context)

    # -- one job --------------------------------------------------------------------------
    def _work(self, context: JobContext) -> bool:
        started = time.monotonic()
        try:
            output = self._storyboard(context) if context.kind == STORYBOARD_JOB else self._encode_and_upload(context)
        except OutputTooShort as exc:
            # The source ends before its header says: every attempt would read the same bytes.
            self._fail(context, exc.reason)
            return False
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if context.attempts >= CHUNK_MAX_ATTEMPTS:
                self._fail(context, f"Transcoding {_job_name(context)} failed {context.attempts} times; "
                                    f"last error: {reason}. Check the file and use retry.")
            else:
                log.warning("video %s: %s failed (attempt %s), retried alone: %s", context.video_id,
                            _job_name(context), context.attempts, reason)
                metrics.emit(metrics.CHUNK_RETRIES, 1)
            raise  # SQS redelivers this message only, and moves it to the dead-letter queue in the end
        finished = self.state.finish_job(context, output, time.monotonic() - started)
        if finished.outcome is Finish.GONE:
            log.info("video %s: run %s is gone; %s discards its output", context.video_id, context.run_id,
                     _job_name(context))
            self._discard_run_segments(context)
            return False
        return True

    def _encode_and_upload(self, context: JobContext) -> dict[str, Any]:
        plan = context.plan
        ladder = plan.ladder_settings
        prefix = segment_prefix(context.run_id)
        source = self.storage.presign_internal_read(plan.source_bucket, plan.source_key,
                                                    self.settings.transcode_time_budget + SOURCE_URL_MARGIN_SECONDS)
        with tempfile.TemporaryDirectory(prefix="videoflix-chunk-") as work:
            if context.kind == VIDEO_JOB:
                chunk = plan.chunks[context.chunk_index]
                command = build_chunk_command(ffmpeg_process.ffmpeg_executable(), source, plan.probe, chunk, work, ladder, prefix)
                seconds = float(chunk.seconds(plan.rate, plan.total_frames))
                most = chunk.segment_count if chunk.frame_count is not None else None
            else:
                part = plan.audio_parts[context.chunk_index]
                command = build_audio_command(ffmpeg_process.ffmpeg_executable(), source, plan.probe, work, ladder,
                                              plan.audio_kbps or 128, prefix, part)
                seconds, most = audio_part_seconds(part, plan.probe, ladder)[1], part.segment_count
            ffmpeg_process.run_ffmpeg(command, duration=seconds, time_budget=self.settings.transcode_time_budget, on_progress=None)
            renditions = read_output(Path(work), most)
            _check_complete(context, renditions)  # before anything of it is uploaded
            for rendition, (_, segments) in renditions.items():
                for name, _, _ in segments:
                    self.storage.upload_media_file(Path(work) / rendition / name,
                                                   f"{media_prefix(context.video_id)}{rendition}/{name}")
        return job_output(renditions)

    def _storyboard(self, context: JobContext) -> dict[str, Any]:
        """The seek previews; after its last failed attempt the film is published without them."""
        plan = context.plan
        source = self.storage.presign_internal_read(plan.source_bucket, plan.source_key,
                                                    self.settings.transcode_time_budget + SOURCE_URL_MARGIN_SECONDS)
        try:
            return publish_storyboard(self.storage, source, plan.probe, context.video_id,
                                      self.settings.transcode_time_budget)
        except Exception:
            if context.attempts < CHUNK_MAX_ATTEMPTS:
                raise
            log.warning("video %s: the storyboard failed %s times; published without one", context.video_id,
                        context.attempts, exc_info=True)
            discard_storyboard(self.storage, self.settings.media_bucket, context.video_id)
            return {"storyboard": None}

    # -- the end of a run -----------------------------------------------------------------
    def _publish_if_last(self, context: JobContext) -> None:
        if not self.state.claim_finalize(context.run_id):
            return
        try:
            published = publish_run(self.services, self.storage, self.state, context)
        except IncompleteRun as exc:
            self._fail(context, f"The film could not be assembled from its chunks: {exc}.")
            return
        except Exception as exc:
            attempts = self.state.release_finalize(context.run_id)
            if attempts >= CHUNK_MAX_ATTEMPTS:
                self._fail(context, f"Publishing failed {attempts} times; last error: {type(exc).__name__}: {exc}")
            raise
        if not published:
            log.warning("video %s vanished or changed state while run %s finished; its segments removed",
                        context.video_id, context.run_id)
            self._discard_run_segments(context)

    def _fail(self, context: JobContext, reason: str) -> None:
        if self.state.fail(context.run_id, context.video_id, reason, stage="chunk"):
            log.error("video %s failed: %s", context.video_id, reason)
            self._delete(media_prefix(context.video_id), keep_captions=True)
        else:  # a newer attempt owns the video now: remove only what this run left
            self._discard_run_segments(context)

    def _discard_run_segments(self, context: JobContext) -> None:
        base = media_prefix(context.video_id)
        for rendition in context.plan.rendition_names():
            self._delete(f"{base}{rendition}/{segment_prefix(context.run_id)}")

    def _delete(self, prefix: str, keep_captions: bool = False) -> None:
        try:
            self.storage.delete_prefix(self.settings.media_bucket, prefix,
                                       keep=kept_with_output(prefix) if keep_captions else ())
        except Exception:
            # Whatever stays is unreferenced; a retry of the film rewrites or deletes the prefix.
            log.exception("could not delete %s", prefix)


def _check_complete(context: JobContext, renditions: dict[str, tuple[str, list[tuple[str, float, int]]]]) -> None:
    """Raise OutputTooShort when the job's output falls short of what the source announced."""
    plan = context.plan

    def seconds(rendition: str) -> float:
        return sum(duration for _, duration, _ in renditions.get(rendition, ("", []))[1])

    if context.kind == VIDEO_JOB:
        chunk = plan.chunks[context.chunk_index]
        expected = chunk_expected_seconds(chunk, plan.rate, plan.total_frames, plan.probe.picture_duration)
        start = float(chunk.start(plan.rate))
        what = f"chunk {chunk.index} ({start:.1f} s to {start + expected:.1f} s)"
        encoded = min(seconds(planned.name) for planned in plan.rungs)
    else:
        start, expected = audio_part_seconds(plan.audio_parts[context.chunk_index], plan.probe, plan.ladder_settings)
        what = "the sound" if len(plan.audio_parts) == 1 else f"the sound from {start:.1f} s"
        encoded = seconds(AUDIO_RENDITION)
    check_encoded_duration(expected, encoded, what)


def _job_name(context: JobContext) -> str:
    if context.kind == STORYBOARD_JOB:
        return "the storyboard"
    if context.kind == VIDEO_JOB:
        return f"chunk {context.chunk_index}"
    return "the audio" if len(context.plan.audio_parts) == 1 else f"audio part {context.chunk_index}"


def chunk_batch(event: dict[str, Any], services: Services) -> dict:
    return ChunkWorker(services).handle_batch(event)
