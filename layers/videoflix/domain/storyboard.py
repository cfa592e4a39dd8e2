"""Seek previews (a storyboard): one JPEG sprite of small frames at a regular interval, its layout
stored beside it as JSON, and the WebVTT that maps time ranges to tiles. Pure, no I/O.

The sprite is `storyboard.jpg` and the layout `storyboard.json` under the video's media prefix,
both written before the video is published. A player's thumbnail plug-in (Video.js, JW Player,
Mux's format) reads the VTT: each cue's text is `<sprite URL>#xywh=x,y,w,h`.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from videoflix.pipeline.ladder import quiet_flags, source_input
from videoflix.pipeline.probe import MediaProbe

STORYBOARD_FILE = "storyboard.jpg"  # beside master.m3u8 under videos/<id>/
STORYBOARD_META = "storyboard.json"
TILE_WIDTH = 160  # pixels; the height keeps the picture's display aspect (even, as for the rungs)
MAX_TILES = 100
MAX_COLUMNS = 10
MIN_INTERVAL = 2  # seconds; the output's keyframe interval, and finer than any seek bar needs
# From this interval on, a tile shows a source keyframe: the one at or before its time (within one
# source keyframe interval, commonly 1 to 10 s), found by one seek per tile instead of a pass over
# the whole film, so the job reads and decodes about `count` keyframes whatever the film's length
# (docs/fanout.md).
KEYFRAMES_ONLY_FROM = 4  # seconds, i.e. films longer than MAX_TILES x 3 s = 5 min
JPEG_QUALITY = 5  # FFmpeg's -q:v, 2 (best) to 31


@dataclass(frozen=True)
class StoryboardLayout:
    interval: int  # seconds between tiles; tile i shows the picture at i * interval
    tile_width: int
    tile_height: int
    columns: int
    rows: int
    count: int  # tiles in use, row by row; the last row may be short

    @property
    def sprite_size(self) -> tuple[int, int]:
        return self.columns * self.tile_width, self.rows * self.tile_height

    @property
    def keyframes_only(self) -> bool:
        return self.interval >= KEYFRAMES_ONLY_FROM

    def tile_box(self, index: int) -> tuple[int, int, int, int]:
        """(x, y, w, h) of tile `index` in the sprite."""
        row, column = divmod(index, self.columns)
        return column * self.tile_width, row * self.tile_height, self.tile_width, self.tile_height

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def plan_storyboard(duration: float, display_width: int, display_height: int) -> StoryboardLayout:
    """Whole seconds between tiles, at least MIN_INTERVAL, so that at most MAX_TILES cover the film."""
    seconds = max(float(duration), 0.001)
    interval = max(MIN_INTERVAL, math.ceil(seconds / MAX_TILES - 1e-9))
    count = tile_count(seconds, interval)
    columns = min(MAX_COLUMNS, count)
    width, height = tile_size(display_width, display_height)
    return StoryboardLayout(interval, width, height, columns, math.ceil(count / columns), count)


def tile_count(duration: float, interval: int) -> int:
    """The frames FFmpeg's `fps=1/interval:eof_action=pass` gives for `duration` seconds of picture:
    one at 0, interval, 2 x interval... before the end."""
    return max(1, math.ceil(duration / interval - 1e-3))


def tile_size(display_width: int, display_height: int) -> tuple[int, int]:
    """TILE_WIDTH wide (never wider than the picture), the display aspect kept, both even."""
    width = max(2, min(TILE_WIDTH, display_width - display_width % 2))
    return width, _even(width * display_height / max(1, display_width))


def build_storyboard_command(ffmpeg: str, source: str, probe: MediaProbe, layout: StoryboardLayout,
                             sprite_path: str) -> list[str]:
    """One JPEG sprite: a frame every `interval` seconds, scaled to a tile, tiled row by row, from one
    pass over the source. storyboard_maker uses it below KEYFRAMES_ONLY_FROM (short films, every
    frame decoded); longer ones seek instead (build_sprite_command).

    `eof_action=pass` keeps the frame due in the film's last partial interval; `-frames:v 1`
    keeps one sheet even if the source has a frame more than announced (its tile is unused).
    """
    skip = ["-skip_frame", "nokey"] if layout.keyframes_only else []
    graph = (f"fps=1/{layout.interval}:eof_action=pass,"
             f"scale={layout.tile_width}:{layout.tile_height},setsar=1,"
             f"tile={layout.columns}x{layout.rows}")
    return [ffmpeg, *quiet_flags(), *skip, *source_input(source, probe),
            "-map", f"0:{probe.video_stream_index}", "-an", "-sn", "-dn", "-vf", graph,
            "-frames:v", "1", "-map_metadata", "-1", "-q:v", str(JPEG_QUALITY),
            "-f", "image2", "-update", "1", "-y", sprite_path]


def tile_times(layout: StoryboardLayout) -> list[int]:
    """Seconds into the picture that each tile shows, row by row: 0, interval, 2 x interval..."""
    return [index * layout.interval for index in range(layout.count)]


def raw_tile_size(layout: StoryboardLayout, rotation: int) -> tuple[int, int]:
    """The size a decoded frame is scaled to before it is turned upright: the tile's, its sides
    swapped for a quarter turn."""
    if rotation % 180 == 90:
        return layout.tile_height, layout.tile_width
    return layout.tile_width, layout.tile_height


def upright_filters(rotation: int) -> list[str]:
    """The filters FFmpeg's autorotate inserts for a display matrix turning the picture `rotation`
    degrees counterclockwise (MediaProbe.rotation): PyAV hands frames over as stored."""
    return {90: ["transpose=cclock"], 180: ["hflip", "vflip"], 270: ["transpose=clock"]}.get(rotation % 360, [])


def build_sprite_command(ffmpeg: str, layout: StoryboardLayout, rotation: int, sprite_path: str) -> list[str]:
    """The sprite from raw tiles on standard input: `count` yuv420p frames of raw_tile_size, in tile
    order, turned upright and tiled, with build_storyboard_command's geometry and JPEG settings
    (`tile` pads a short last row with black)."""
    width, height = raw_tile_size(layout, rotation)
    graph = ",".join([*upright_filters(rotation), "setsar=1", f"tile={layout.columns}x{layout.rows}"])
    return [ffmpeg, *quiet_flags(), "-protocol_whitelist", "pipe", "-f", "rawvideo", "-pix_fmt", "yuv420p",
            "-video_size", f"{width}x{height}", "-framerate", "1", "-i", "pipe:0", "-vf", graph,
            "-frames:v", "1", "-map_metadata", "-1", "-q:v", str(JPEG_QUALITY),
            "-f", "image2", "-update", "1", "-y", sprite_path]


def parse_layout(text: str) -> StoryboardLayout | None:
    """The layout of a stored `storyboard.json`; None when it is not one (treated as no storyboard)."""
    try:
        data: Any = json.loads(text)
        values = {name: data[name] for name in StoryboardLayout.__dataclass_fields__}
    except (ValueError, TypeError, KeyError):
        return None
    if not all(type(v) is int and v > 0 for v in values.values()):
        return None
    layout = StoryboardLayout(**values)
    if layout.count > layout.columns * layout.rows:
        return None
    return layout


def storyboard_vtt(layout: StoryboardLayout, duration: float, sprite_url: str) -> str:
    """WEBVTT cues, one per tile, covering 0 to `duration`; each names its tile as `url#xywh=`.

    The URL is written as is: WebVTT cue text would read `&amp;` as `&`, but thumbnail plug-ins
    take the text literally, and a presigned S3 query (`&X-Amz-...=`) holds no character reference.
    """
    end_of_film = max(float(duration), 0.001)
    lines = ["WEBVTT", ""]
    for index in range(layout.count):
        start = index * layout.interval
        if start >= end_of_film and index > 0:
            break
        last = index == layout.count - 1 or (index + 1) * layout.interval >= end_of_film
        end = end_of_film if last else (index + 1) * layout.interval
        x, y, w, h = layout.tile_box(index)
        lines += [f"{vtt_time(start)} --> {vtt_time(end)}", f"{sprite_url}#xywh={x},{y},{w},{h}", ""]
        if last:
            break
    return "\n".join(lines)


def vtt_time(seconds: float) -> str:
    """HH:MM:SS.mmm"""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    return f"{hours:02d}:{minutes:02d}:{millis // 1000:02d}.{millis % 1000:03d}"


def _even(value: float) -> int:
    return max(2, int(value / 2 + 0.5) * 2)

