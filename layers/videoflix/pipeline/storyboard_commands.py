"""The FFmpeg commands that make a storyboard sprite (videoflix.domain.storyboard holds its layout and
formats): pure functions from the probe and the layout to an argument list, run by storyboard_maker."""
from __future__ import annotations

from videoflix.domain.storyboard import JPEG_QUALITY, StoryboardLayout
from videoflix.pipeline.ladder import quiet_flags, source_input
from videoflix.pipeline.probe import MediaProbe


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
