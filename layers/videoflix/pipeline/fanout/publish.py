"""The end of a fan-out run: playlists from the recorded segments, uploaded, then the video `ready`."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from videoflix.domain.media_layout import media_prefix
from videoflix.domain.ports import Storage
from videoflix.observability import metrics
from videoflix.pipeline import av1
from videoflix.pipeline.fanout.playlists import assemble_playlists, audio_bandwidth
from videoflix.pipeline.fanout.state import FanoutState, JobContext
from videoflix.services import Services

log = logging.getLogger("videoflix.fanout")


def publish_run(services: Services, storage: Storage, state: FanoutState, context: JobContext) -> bool:
    """Upload the playlists (master last) and mark the video ready; False if the run was no longer its own.

    Raises IncompleteRun when the recorded output cannot make a film.
    """
    plan = context.plan
    outputs = state.outputs(context.run_id)
    files, renditions = assemble_playlists(plan, outputs)
    prefix = media_prefix(context.video_id)
    with tempfile.TemporaryDirectory(prefix="videoflix-publish-") as work:
        for relative, text in files.items():  # the master comes last: nobody sees it before its renditions
            path = Path(work) / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            storage.upload_media_file(path, prefix + relative)
    encode_seconds = state.encode_seconds(context.run_id)
    probe = plan.probe
    audio = audio_bandwidth(plan, outputs)  # the AV1 chunks' variants name the audio rendition
    av1_queued = []
    if not state.mark_ready(context.run_id, context.video_id, duration=probe.duration, width=probe.display_width,
                            height=probe.display_height, renditions=renditions,
                            thumbnail_key=plan.thumbnail_key, stage="fanout",
                            on_publish=lambda session, published: av1_queued.append(
                                av1.queue_after_publish(session, services.settings, context.video_id, published,
                                                        probe, audio))):
        return False
    if av1_queued and av1_queued[0] is not None:  # the AV1 ladder follows as job(s) of its own: the film is ready now
        av1.send_job(services, context.video_id, av1_queued[0])
    log.info("video %s ready from run %s: %s, %.1f s; %d jobs, slowest %.1f s, %.1f s in all", context.video_id,
             context.run_id, renditions, probe.duration, len(encode_seconds), max(encode_seconds, default=0),
             sum(encode_seconds))
    if probe.duration > 0:  # the encoders' seconds, all jobs together: what the film cost
        metrics.emit(metrics.TRANSCODE_SECONDS_PER_FILM_SECOND, round(sum(encode_seconds) / probe.duration, 4),
                     Path="fanout")
    return True
