"""Making a film's storyboard: in the single-process transcode, and as the fan-out's storyboard job.
A short film's comes from one FFmpeg pass; a longer one's (`keyframes_only`) from one PyAV seek per
tile, the tiles piped to FFmpeg. The layout, tile times and argument lists come from
pipeline/storyboard.py.

A storyboard is a nicety, like the poster: a film whose storyboard cannot be made is published
without one (the catalog's route then answers 404), never failed for it.
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any, Callable

from videoflix.domain.media_layout import media_prefix
from videoflix.domain.ports import Storage
from videoflix.domain.storyboard import STORYBOARD_FILE, STORYBOARD_META, StoryboardLayout, plan_storyboard, tile_times
from videoflix.pipeline import ffmpeg as ffmpeg_process
from videoflix.pipeline.ffmpeg import FFmpegFailed, TimeBudgetExceeded
from videoflix.pipeline.probe import FIRST_FRAME_PACKET_LIMIT, MediaProbe, open_source
from videoflix.pipeline.storyboard_commands import build_sprite_command, build_storyboard_command, raw_tile_size

log = logging.getLogger("videoflix.transcoder")


def render_storyboard(source: str, probe: MediaProbe, folder: Path, time_budget: float) -> StoryboardLayout:
    """Write `storyboard.jpg`, then `storyboard.json`, into `folder` from `source` (a local file or a
    presigned URL). Raises FFmpegFailed or TimeBudgetExceeded; the seeking method also
    StoryboardUnreadable when the source cannot be read or gives no picture where a tile needs one."""

    layout = plan_storyboard(probe.picture_duration, probe.display_width, probe.display_height)
    sprite = folder / STORYBOARD_FILE
    if layout.keyframes_only:
        _render_by_seeking(source, probe, layout, sprite, time_budget)
    else:
        ffmpeg_process.run_ffmpeg(build_storyboard_command(ffmpeg_process.ffmpeg_executable(), source, probe, layout, str(sprite)),
                   duration=probe.picture_duration, time_budget=time_budget, on_progress=None)
    if not sprite.is_file() or sprite.stat().st_size == 0:
        raise FFmpegFailed(0, "FFmpeg wrote no storyboard")
    (folder / STORYBOARD_META).write_text(layout.to_json(), encoding="utf-8")
    return layout


class StoryboardUnreadable(Exception):
    """PyAV could not open or read the source, or found no keyframe where a tile's seek landed."""


def _render_by_seeking(source: str, probe: MediaProbe, layout: StoryboardLayout, sprite: Path,
                       time_budget: float) -> None:
    """One seek per tile in one open source, each tile's keyframe scaled and piped raw to one FFmpeg
    that tiles them: the reading and decoding grow with the tiles (at most MAX_TILES), not the film."""
    import av

    command = build_sprite_command(ffmpeg_process.ffmpeg_executable(), layout, probe.rotation, str(sprite))
    width, height = raw_tile_size(layout, probe.rotation)
    try:
        with open_source(source, probe.format_name) as container:
            stream = container.streams[probe.video_stream_index]
            stream.codec_context.skip_frame = "NONKEY"  # only the keyframe after each seek is wanted
            tiles = (_packed(_keyframe_at(container, stream, seconds).reformat(
                         width, height, format="yuv420p", interpolation="BICUBIC"))  # as FFmpeg's scale
                     for seconds in tile_times(layout))
            ffmpeg_process.run_ffmpeg_fed(command, tiles, time_budget)
    except av.error.FFmpegError as exc:
        raise StoryboardUnreadable(f"reading the source failed: {exc}") from exc


def _keyframe_at(container: Any, stream: Any, seconds: int) -> Any:
    """The keyframe at or before `seconds` into the picture (counted from the stream's start, as
    FFmpeg counts): a backward seek, then its first keyframe packet decoded and the decoder drained
    (the next seek flushes it again)."""
    target = (stream.start_time or 0) + int(seconds / stream.time_base)
    container.seek(target, stream=stream, backward=True, any_frame=False)
    for count, packet in enumerate(container.demux(stream)):
        if packet.is_keyframe and packet.size:
            frames = [*packet.decode(), *stream.codec_context.decode(None)]
            if frames:
                return frames[0]
            break
        if count >= FIRST_FRAME_PACKET_LIMIT:
            break
    raise StoryboardUnreadable(f"no keyframe decoded at {seconds} s")


def _packed(frame: Any) -> bytes:
    """A frame's planes as rawvideo lays them out: rows back to back, without the line padding."""
    parts = []
    for plane in frame.planes:
        data, stride, width = memoryview(plane), plane.line_size, plane.width
        if stride == width:
            parts.append(data[:width * plane.height])
        else:
            parts.extend(data[row * stride:row * stride + width] for row in range(plane.height))
    return b"".join(parts)


def make_storyboard(source: str, probe: MediaProbe, folder: Path, video_id: int,
                    time_left: Callable[[], float]) -> StoryboardLayout | None:
    """The single-process path: both files in the output folder, published with the film; None
    (and neither file) when FFmpeg fails or runs out of time on it: the source is local, so a
    second try would fail alike. A budget spent by the ladder leaves the film without one
    rather than failing it."""

    try:
        return render_storyboard(source, probe, folder, time_left())
    except (FFmpegFailed, TimeBudgetExceeded, StoryboardUnreadable, OSError):
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
