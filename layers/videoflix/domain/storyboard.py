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




def tile_times(layout: StoryboardLayout) -> list[int]:
    """Seconds into the picture that each tile shows, row by row: 0, interval, 2 x interval..."""
    return [index * layout.interval for index in range(layout.count)]








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

