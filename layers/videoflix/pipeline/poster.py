"""The poster of a film: one frame, made by the transcoder whether it encodes the film or fans it out."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from videoflix.videos.storage import media_prefix

if TYPE_CHECKING:
    from videoflix.pipeline.probe import MediaProbe

log = logging.getLogger("videoflix.transcoder")

POSTER_FILE = "thumbnail.jpg"  # beside master.m3u8 under videos/<id>/


def poster_key(video_id: int) -> str:
    return f"{media_prefix(video_id)}{POSTER_FILE}"


def make_poster(source: str, probe: MediaProbe, path: Path, video_id: int,
                time_left: Callable[[], float]) -> bool:
    """Write the poster to `path` from `source` (a local file or a presigned URL); False when there is none.

    Raises TimeBudgetExceeded when the budget is spent: that ends the whole transcode.
    """
    from videoflix.pipeline.ffmpeg import FFmpegFailed, ffmpeg_executable, run_ffmpeg
    from videoflix.pipeline.ladder import build_thumbnail_command

    try:
        run_ffmpeg(build_thumbnail_command(ffmpeg_executable(), str(source), probe, str(path)),
                   duration=1.0, on_progress=None, time_budget=time_left())
    except FFmpegFailed:
        # A poster is a nicety (e.g. no picture where the seek lands); the film still plays.
        log.warning("video %s: no thumbnail", video_id, exc_info=True)
        path.unlink(missing_ok=True)
        return False
    return True
