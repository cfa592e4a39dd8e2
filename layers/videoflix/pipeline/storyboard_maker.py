"""Making a film's storyboard with FFmpeg: in the single-process transcode, and as the fan-out's
storyboard job. The layout and the argument list come from pipeline/storyboard.py.

A storyboard is a nicety, like the poster: a film whose storyboard cannot be made is published
without one (the catalog's route then answers 404), never failed for it.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Callable

from videoflix.pipeline.probe import MediaProbe
from videoflix.pipeline.storyboard import (STORYBOARD_FILE, STORYBOARD_META, StoryboardLayout,
                                           build_storyboard_command, plan_storyboard)
from videoflix.ports import Storage
from videoflix.videos.storage import media_prefix

log = logging.getLogger("videoflix.transcoder")


def render_storyboard(source: str, probe: MediaProbe, folder: Path, time_budget: float) -> StoryboardLayout:
    """Write `storyboard.jpg`, then `storyboard.json`, into `folder` from `source` (a local file or a
    presigned URL). Raises FFmpegFailed or TimeBudgetExceeded."""
    from videoflix.pipeline.ffmpeg import FFmpegFailed, ffmpeg_executable, run_ffmpeg

    layout = plan_storyboard(probe.picture_duration, probe.display_width, probe.display_height)
    sprite = folder / STORYBOARD_FILE
    run_ffmpeg(build_storyboard_command(ffmpeg_executable(), source, probe, layout, str(sprite)),
               duration=probe.picture_duration, time_budget=time_budget, on_progress=None)
    if not sprite.is_file() or sprite.stat().st_size == 0:
        raise FFmpegFailed(0, "FFmpeg wrote no storyboard")
    (folder / STORYBOARD_META).write_text(layout.to_json(), encoding="utf-8")
    return layout


def make_storyboard(source: str, probe: MediaProbe, folder: Path, video_id: int,
                    time_left: Callable[[], float]) -> StoryboardLayout | None:
    """The single-process path: both files in the output folder, published with the film; None
    (and neither file) when FFmpeg fails or runs out of time on it: the source is local, so a
    second try would fail alike. A budget spent by the ladder leaves the film without one
    rather than failing it."""
    from videoflix.pipeline.ffmpeg import FFmpegFailed, TimeBudgetExceeded

    try:
        return render_storyboard(source, probe, folder, time_left())
    except (FFmpegFailed, TimeBudgetExceeded, OSError):
        log.warning("video %s: no storyboard", video_id, exc_info=True)
        for name in (STORYBOARD_FILE, STORYBOARD_META):
            (folder / name).unlink(missing_ok=True)
        return None


def publish_storyboard(storage: Storage, source: str, probe: MediaProbe, video_id: int,
                       time_budget: float) -> dict[str, Any]:
    """The fan-out's storyboard job: make it from the upload's URL and upload the sprite, then its
    layout (the catalog reads the layout first); what the job records. Raises on failure, so SQS
    retries it like any job."""
    with tempfile.TemporaryDirectory(prefix="videoflix-storyboard-") as work:
        layout = render_storyboard(source, probe, Path(work), time_budget)
        for name in (STORYBOARD_FILE, STORYBOARD_META):
            storage.upload_media_file(Path(work) / name, media_prefix(video_id) + name)
    return {"storyboard": layout.to_json()}


def discard_storyboard(storage: Storage, bucket: str, video_id: int) -> None:
    """After the job's last failed attempt: leave no sprite without its layout (best effort)."""
    try:
        storage.delete_prefix(bucket, f"{media_prefix(video_id)}storyboard.")
    except Exception:
        log.exception("video %s: could not delete a partial storyboard", video_id)
