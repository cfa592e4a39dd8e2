"""The transcoder as the coordinator of a long film: make the poster, plan the chunks, queue the jobs.

Called by the transcoder (pipeline/transcode.py) after the probe, with the video claimed; the
chunk workers (pipeline/fanout/worker.py) then encode and publish it. The video stays
`processing`, its lease kept alive by every job that starts or finishes.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

from videoflix.domain.chunk_messages import ChunkMessage
from videoflix.domain.media_layout import POSTER_FILE, poster_key
from videoflix.domain.ports import Storage
from videoflix.domain.transcode_messages import UploadedObject
from videoflix.pipeline.fanout.plan import make_plan, should_fan_out
from videoflix.pipeline.fanout.state import FanoutState
from videoflix.pipeline.poster import make_poster
from videoflix.pipeline.probe import MediaProbe
from videoflix.services import Services

__all__ = ["dispatch_fanout", "should_fan_out"]
log = logging.getLogger("videoflix.fanout")


def dispatch_fanout(services: Services, storage: Storage, video_id: int, uploaded: UploadedObject,
                    probe: MediaProbe, source: str, work: Path, time_left: Callable[[], float]) -> None:
    """Queue one job per chunk and one for the audio; raising lets SQS bring the upload event back.

    `source` is the upload as a presigned URL (normally: the coordinator never downloads it)
    or a local copy; `work` is a folder for the poster."""
    settings = services.settings
    thumbnail_key = publish_thumbnail(storage, source, work, probe, video_id, time_left)
    plan = make_plan(settings, uploaded.bucket, uploaded.key, probe, thumbnail_key)
    started = FanoutState(services.db, settings.transcode_time_budget).start_run(video_id, plan)
    if started is None:
        log.warning("video %s changed state before its chunks were queued; nothing queued", video_id)
        return
    run_id, job_ids = started
    services.chunk_queue.send([ChunkMessage(run_id, job_id, video_id) for job_id in job_ids])
    log.info("video %s: %.1f s fanned out as run %s, %d chunks%s", video_id, probe.duration, run_id,
             len(plan.chunks), " and the audio" if probe.has_audio else "")


def publish_thumbnail(storage: Storage, source: str, work: Path, probe: MediaProbe, video_id: int,
                      time_left: Callable[[], float]) -> str | None:
    """The poster, made here (one seek into the source): the chunk workers see only their ranges."""
    path = work / POSTER_FILE
    if not make_poster(source, probe, path, video_id, time_left):
        return None
    key = poster_key(video_id)
    storage.upload_media_file(path, key)
    return key
