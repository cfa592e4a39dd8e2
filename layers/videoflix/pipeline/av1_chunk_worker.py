"""The chunk jobs of a long film's AV1 ladder (pipeline/av1_chunks.py): queued on the chunk queue when the film
is published, each run by a chunk worker (pipeline/fanout/worker.py hands it over) as a message of its own,
and joined to the master by whoever records the last.

The same guarantees as the single AV1 job (pipeline/av1.py) and the H.264 fan-out: each chunk has
its own lease and attempts (db/av1_jobs.py); a duplicate delivery of a recorded chunk changes
nothing; a failed chunk raises, so SQS brings back its message alone; after its last attempt the
AV1 ladder fails, its partial output is deleted, and the film stays ready in H.264. The join
uploads the rendition playlists, then the master with the AV1 variants (naming the film's own
audio rendition), and marks the job ready, which drops the cached masters after commit.
"""
from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from videoflix.db import av1_jobs
from videoflix.db.models import Av1Status, Video, utcnow
from videoflix.domain.attempts import AV1_MAX_ATTEMPTS
from videoflix.domain.hls import (AAC_LC_CODECS, AV1_PREFIX, MASTER_PLAYLIST, RUNG_PLAYLIST, av1_codecs, av1_codecs_signalled,
                                  join_av1_variants, map_uris, parse_media_playlist)
from videoflix.domain.media_layout import media_prefix
from videoflix.domain.ports import Storage
from videoflix.domain.transcode_messages import Av1Job
from videoflix.observability.logs import log_context
from videoflix.pipeline import ffmpeg as ffmpeg_process
from videoflix.pipeline.av1_chunks import (Av1ChunkPlan, Busy, IncompleteAv1, assemble, build_av1_chunk_command,
                                          chunk_output)
from videoflix.pipeline.completeness import OutputTooShort, check_encoded_duration, chunk_expected_seconds
from videoflix.services import Services

log = logging.getLogger("videoflix.av1")

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
SOURCE_URL_MARGIN_SECONDS = 300


class Av1ChunkEncoding:
    def __init__(self, services: Services, storage: Storage) -> None:
        self.services = services
        self.settings = services.settings
        self.storage = storage

    def run(self, job: Av1Job) -> None:
        video_id, index = job.video_id, job.chunk
        if index is None:
            raise ValueError("not an AV1 chunk job")
        budget = self.settings.transcode_time_budget
        with self.services.db.session() as session:
            claimed, attempt, plan_json = av1_jobs.claim_chunk(session, video_id, index, utcnow(), budget)
            source_key = session.scalar(select(Video.source_key).where(Video.id == video_id))
        if claimed is av1_jobs.ChunkClaimed.BUSY:
            raise Busy(f"AV1 chunk {index} of video {video_id} is being encoded elsewhere")
        if claimed is av1_jobs.ChunkClaimed.NOTHING:
            log.info("video %s has no AV1 chunk %s to do (settled, replaced or deleted); message dropped",
                     video_id, index)
            return
        plan = Av1ChunkPlan.from_json(plan_json or {})
        with log_context(video_id=video_id):
            if claimed is av1_jobs.ChunkClaimed.YES and not self._encode(video_id, index, attempt, plan, source_key):
                return
            self._join_if_last(video_id, plan)

    # -- one chunk ----------------------------------------------------------------------------------------------
    def _encode(self, video_id: int, index: int, attempt: int, plan: Av1ChunkPlan, source_key: str) -> bool:
        started = time.monotonic()
        try:
            output = self._encode_and_upload(video_id, plan, index, source_key)
        except OutputTooShort as exc:  # every attempt would read the same bytes
            self._fail(video_id, plan, f"The AV1 ladder cannot be made: {exc.reason} The film plays in H.264.")
            return False
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:500]
            if attempt >= AV1_MAX_ATTEMPTS:
                self._fail(video_id, plan, f"AV1 chunk {index} failed {attempt} times; last error: {reason}. "
                                           "The film plays in H.264.")
            else:
                with self.services.db.session() as session:
                    av1_jobs.release_chunk(session, video_id, index, attempt)
                log.warning("video %s: AV1 chunk %s failed (attempt %s), retried alone: %s", video_id, index,
                            attempt, reason)
            raise  # SQS redelivers this message only, and moves it to the dead-letter queue in the end
        with self.services.db.session() as session:
            counted = av1_jobs.finish_chunk(session, video_id, index, attempt, output, time.monotonic() - started)
        if counted is None:
            with self.services.db.session() as session:
                settled = av1_jobs.status(session, video_id) != Av1Status.ENCODING
            log.info("video %s: AV1 chunk %s no longer this attempt's (%s)", video_id, index,
                     "its job settled or deleted: its output removed" if settled else "recorded by another delivery")
            if settled:  # a duplicate's output is the same files: kept
                self._delete_files(video_id, output)
            return False
        log.info("video %s: AV1 chunk %s done, %s of %s", video_id, index, *counted)
        return True

    def _encode_and_upload(self, video_id: int, plan: Av1ChunkPlan, index: int, source_key: str) -> dict[str, Any]:
        chunk = plan.chunks[index]
        budget = self.settings.transcode_time_budget
        source = self.storage.presign_internal_read(self.settings.upload_bucket, source_key,
                                                    budget + SOURCE_URL_MARGIN_SECONDS)
        with tempfile.TemporaryDirectory(prefix="videoflix-av1-chunk-") as work:
            folder = Path(work)
            command = build_av1_chunk_command(ffmpeg_process.ffmpeg_executable(), source, plan, chunk, work)
            seconds = float(chunk.seconds(plan.rate, plan.total_frames))
            ffmpeg_process.run_ffmpeg(command, duration=seconds, time_budget=budget, on_progress=None)
            renditions = read_chunk_output(folder, plan, chunk.segment_count if chunk.frame_count is not None else None)
            expected = chunk_expected_seconds(chunk, plan.rate, plan.total_frames, plan.probe.picture_duration)
            start = float(chunk.start(plan.rate))
            for name, (_, _, _, segments) in renditions.items():  # before anything of it is uploaded
                check_encoded_duration(expected, sum(s for _, s, _ in segments),
                                       f"AV1 chunk {index} ({start:.1f} s to {start + expected:.1f} s) of {name}")
            prefix = media_prefix(video_id)
            for name, (_, init, _, segments) in renditions.items():
                for file in [init, *(segment for segment, _, _ in segments)]:
                    self.storage.upload_media_file(folder / name / file, f"{prefix}{name}/{file}")
        return chunk_output(renditions)

    # -- the join -----------------------------------------------------------------------------------------------
    def _join_if_last(self, video_id: int, plan: Av1ChunkPlan) -> None:
        budget = self.settings.transcode_time_budget
        with self.services.db.session() as session:
            if not av1_jobs.claim_join(session, video_id, utcnow(), budget):
                return
            outputs = av1_jobs.chunk_outputs(session, video_id)
        try:
            renditions = self._join(video_id, plan, outputs)
        except IncompleteAv1 as exc:
            self._fail(video_id, plan, f"The AV1 ladder could not be joined from its chunks: {exc}. "
                                       "The film plays in H.264.")
            return
        except Exception as exc:
            with self.services.db.session() as session:
                joins = av1_jobs.release_join(session, video_id)
            if joins >= AV1_MAX_ATTEMPTS:
                self._fail(video_id, plan, f"Joining the AV1 ladder failed {joins} times; last error: "
                                           f"{type(exc).__name__}: {exc}. The film plays in H.264.")
            raise
        with self.services.db.session() as session:
            done = av1_jobs.complete(session, video_id, renditions)
        log.info("video %s: AV1 ladder %s from %d chunks %s", video_id, renditions, len(plan.chunks),
                 "joined the master" if done else "joined, but the job was settled or deleted meanwhile")

    def _join(self, video_id: int, plan: Av1ChunkPlan, outputs: list[tuple[int, dict[str, Any] | None]]) -> list[str]:
        variants, playlists = assemble(plan, outputs)
        prefix = media_prefix(video_id)
        for relative, text in playlists.items():
            self.storage.put_media_text(prefix + relative, text, PLAYLIST_TYPE)
        master = self.storage.read_media_text(prefix + MASTER_PLAYLIST)
        if master is None:
            raise RuntimeError("the film's master playlist is gone")
        audio = AAC_LC_CODECS if plan.audio is not None else None
        self.storage.put_media_text(prefix + MASTER_PLAYLIST, join_av1_variants(master, variants, audio, plan.audio),
                                    PLAYLIST_TYPE)  # last: players see it complete
        return [variant.name for variant in variants]

    def _delete_files(self, video_id: int, output: dict[str, Any]) -> None:
        prefix = media_prefix(video_id)
        for name, recorded in output.get("renditions", {}).items():
            for file in [recorded["init"], *(segment for segment, _, _ in recorded["segments"])]:
                try:
                    self.storage.delete_prefix(self.settings.media_bucket, f"{prefix}{name}/{file}")
                except Exception:
                    log.warning("could not delete %s/%s of video %s", name, file, video_id, exc_info=True)

    def _fail(self, video_id: int, plan: Av1ChunkPlan, reason: str) -> None:
        """Failed for good: the job failed, every chunk's output deleted; the film stays ready in H.264."""
        with self.services.db.session() as session:
            failed = av1_jobs.fail(session, video_id, reason[:1000])
        log.error("video %s: AV1 ladder failed%s: %s", video_id, "" if failed else " (settled already)", reason)
        if failed:
            for name in plan.rendition_names():
                try:
                    self.storage.delete_prefix(self.settings.media_bucket, f"{media_prefix(video_id)}{name}/")
                except Exception:
                    log.warning("could not delete %s of video %s", name, video_id, exc_info=True)


def read_chunk_output(folder: Path, plan: Av1ChunkPlan, most_segments: int | None
                      ) -> dict[str, tuple[str, str, str, list[tuple[str, float, int]]]]:
    """Per AV1 rendition FFmpeg wrote: (CODECS, init segment, its sha256, (name, seconds, bytes) per segment)."""
    renditions = {}
    for planned in plan.rungs:
        name = AV1_PREFIX + planned.name
        playlist = (folder / name / RUNG_PLAYLIST).read_text()
        inits = map_uris(playlist)
        if len(inits) != 1:
            raise RuntimeError(f"{name}: a chunk's fMP4 rendition needs exactly one init segment")
        listed = parse_media_playlist(playlist)
        if most_segments is not None and len(listed) > most_segments:
            # More would take the names of the next chunk's segments.
            raise RuntimeError(f"{name}: {len(listed)} segments where at most {most_segments} fit")
        init = (folder / name / inits[0]).read_bytes()
        codecs = av1_codecs_signalled(init) or av1_codecs(planned.width, planned.height, plan.rate)
        renditions[name] = (codecs, inits[0], hashlib.sha256(init).hexdigest(),
                            [(segment, seconds, (folder / name / segment).stat().st_size) for segment, seconds in listed])
    return renditions
