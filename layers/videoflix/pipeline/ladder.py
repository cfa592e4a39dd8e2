"""The HLS ladder as FFmpeg argument lists: pure functions of the probe result, no I/O.

One FFmpeg process decodes the source once and `split`s it into the rungs, so every rung
gets the same frames and, with a fixed GOP and no scene-cut keyframes, keyframes at the
same instants: players can switch rungs at any segment boundary.

Rung rule: a rung is the source scaled down to fit the rung's 16:9 box (854x480,
1280x720, 1920x1080), the box turned upright for a portrait source, so a rung's name
is its shorter side. A rung whose box would enlarge the source is skipped; a source
smaller than the 480p box gets a single "480p" rung at its own size.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction

from videoflix.domain.hls import (AV1_INIT_SEGMENT, AV1_PREFIX, AV1_SEGMENT_PATTERN, MASTER_PLAYLIST, RUNG_NAMES,
                                  RUNG_PLAYLIST, SEGMENT_PATTERN, SEGMENT_SECONDS)
from videoflix.pipeline.probe import URL_READ_TIMEOUT, MediaProbe, url_protocols


@dataclass(frozen=True)
class Rung:
    name: str
    lines: int  # the shorter side of the rung's 16:9 box
    video_kbps: int  # target bitrate of the "fixed" rate control (the ladder before per-title rates)
    max_video_kbps: int  # VBV cap: the peak a player has to sustain
    buffer_kbits: int
    audio_kbps: int
    crf: int  # x264 quality of the "capped_crf" rate control, the same for every chunk of a film
    # The AV1 ladder (build_av1_ladder_command): SVT-AV1 preset and CRF, capped like the x264 rung.
    av1_preset: int = 8
    av1_crf: int = 35
    av1_max_video_kbps: int = 0
    av1_buffer_kbits: int = 0

    @property
    def box(self) -> tuple[int, int]:
        return round(self.lines * 16 / 9 / 2) * 2, self.lines


_480P, _720P, _1080P = RUNG_NAMES  # named once, in pipeline/hls.py (the catalog serves them)
# The ladder: the only place bitrates and qualities live. The CRFs were tuned with
# bench/encoding.py against the fixed bitrates (docs/encoding.md).
# The AV1 columns were tuned with bench/encoding.py on real footage against the fixed H.264 ladder
# (docs/encoding.md): their caps are 60 % of its bitrates, the bytes target of the AV1 ladder.
RUNGS = (
    Rung(_480P, 480, video_kbps=1400, max_video_kbps=1500, buffer_kbits=2100, audio_kbps=96, crf=17,
         av1_preset=8, av1_crf=31, av1_max_video_kbps=840, av1_buffer_kbits=1260),
    Rung(_720P, 720, video_kbps=2800, max_video_kbps=3000, buffer_kbits=4200, audio_kbps=128, crf=20,
         av1_preset=8, av1_crf=33, av1_max_video_kbps=1680, av1_buffer_kbits=2520),
    Rung(_1080P, 1080, video_kbps=5000, max_video_kbps=5350, buffer_kbits=7500, audio_kbps=160, crf=23,
         av1_preset=8, av1_crf=35, av1_max_video_kbps=3000, av1_buffer_kbits=4500),
)
# "capped_crf": constant quality per rung, never above the rung's VBV cap (content-adaptive:
# easy films cost less, hard ones what they cost before). "fixed": a target bitrate per
# rung whatever the content, kept to measure the other against (bench/encoding.py).
RATE_CONTROLS = ("capped_crf", "fixed")
# Frame rates encoders and players know; a source's measured rate snaps to the nearest.
COMMON_FRAME_RATES = tuple(Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30", "50",
                                                 "60000/1001", "60"))
THUMBNAIL_BOX = (1280, 720)
THUMBNAIL_POSITION = 0.10  # share of the duration where the poster frame is taken


@dataclass(frozen=True)
class LadderSettings:
    preset: str = "veryfast"
    segment_seconds: int = SEGMENT_SECONDS  # a multiple of keyframe_seconds, so segments start on keyframes
    keyframe_seconds: int = 2
    max_frame_rate: int = 60
    default_frame_rate: Fraction = Fraction(30)  # when the source does not say
    audio_sample_rate: int = 48000
    rate_control: str = "capped_crf"  # one of RATE_CONTROLS
    # The AV1 ladder's SVT-AV1 preset for every rung instead of the table's (None: the table's);
    # tests use the fastest, 12.
    av1_preset: int | None = None

    def __post_init__(self) -> None:
        if self.rate_control not in RATE_CONTROLS:
            raise ValueError(f"rate_control must be one of {RATE_CONTROLS}, not {self.rate_control!r}")


MIN_BITRATE_SHARE = Fraction(1, 4)


@dataclass(frozen=True)
class PlannedRung:
    rung: Rung
    width: int
    height: int

    @property
    def name(self) -> str:
        return self.rung.name

    @property
    def bitrate_share(self) -> Fraction:
        """Fewer pixels than the rung's box (a small or very wide source) need fewer bits."""
        box_width, box_height = self.rung.box
        return max(MIN_BITRATE_SHARE, min(Fraction(1), Fraction(self.width * self.height, box_width * box_height)))

    def kbps(self, rung_value: int | Fraction) -> int:
        return round(rung_value * self.bitrate_share)


def plan_ladder(probe: MediaProbe) -> list[PlannedRung]:
    """The rungs to produce for a source, smallest first, with their exact (even) sizes."""
    width, height = probe.display_width, probe.display_height
    planned = []
    for rung in RUNGS:
        box = rung.box if width >= height else rung.box[::-1]
        scale = min(box[0] / width, box[1] / height)
        if scale <= 1:
            planned.append(PlannedRung(rung, _even(width * scale, width), _even(height * scale, height)))
    if not planned:
        planned.append(PlannedRung(RUNGS[0], _even(width, width), _even(height, height)))
    return planned


def output_frame_rate(probe: MediaProbe, settings: LadderSettings) -> Fraction:
    """A constant rate for the output: the source's (snapped to a common one), halved while too fast."""
    rate = probe.frame_rate or settings.default_frame_rate
    while rate > settings.max_frame_rate:
        rate /= 2
    nearest = min(COMMON_FRAME_RATES, key=lambda common: abs(common - rate))
    if abs(nearest - rate) <= rate * Fraction(2, 100):
        return nearest
    return Fraction(max(1, round(rate)))


def keyframe_interval(rate: Fraction, settings: LadderSettings) -> int:
    return max(1, round(rate * settings.keyframe_seconds))


def _ladder_inputs(ffmpeg: str, input_args: list[str], probe: MediaProbe, output_dir: str,
                   settings: LadderSettings) -> tuple[list[str], list[PlannedRung], str]:
    """What both ladders begin with: the input, the scaling graph of the rungs (never above the source)
    and each variant's video and audio mapped, without the source's metadata; and the rungs and GOP."""
    if "%" in output_dir:
        raise ValueError("output_dir must not contain '%': FFmpeg expands it in HLS names")
    rungs = plan_ladder(probe)
    rate = output_frame_rate(probe, settings)
    gop = str(keyframe_interval(rate, settings))
    command = [ffmpeg, *quiet_flags(), "-progress", "pipe:1", *input_args,
               "-filter_complex", ladder_filter(probe, rungs, rate)]
    for index, planned in enumerate(rungs):
        command += ["-map", f"[v{index}]"]
        if probe.has_audio:
            command += ["-map", f"0:{probe.audio_stream_index}"]
    command += ["-map_metadata", "-1", "-map_chapters", "-1"]  # no camera GPS or names in public files
    return command, rungs, gop


def _audio_args(probe: MediaProbe, rungs: list[PlannedRung], settings: LadderSettings) -> list[str]:
    """Stereo AAC at each rung's audio rate, when the source has sound."""
    if not probe.has_audio:
        return []
    args = ["-c:a", "aac", "-ac", "2", "-ar", str(settings.audio_sample_rate)]
    for index, planned in enumerate(rungs):
        args += [f"-b:a:{index}", f"{planned.rung.audio_kbps}k"]
    return args


def build_ladder_command(ffmpeg: str, source: str, probe: MediaProbe, output_dir: str,
                         settings: LadderSettings) -> list[str]:
    """The FFmpeg arguments that write `<rung>/index.m3u8`, its segments and `master.m3u8`."""
    command, rungs, gop = _ladder_inputs(ffmpeg, safe_input(source, probe), probe, output_dir, settings)
    command += [*video_codec_args(rungs, gop, settings), *_audio_args(probe, rungs, settings)]
    command += [
        "-f", "hls", "-hls_time", str(settings.segment_seconds), "-hls_playlist_type", "vod",
        "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
        "-hls_segment_filename", os.path.join(output_dir, "%v", SEGMENT_PATTERN),
        "-master_pl_name", MASTER_PLAYLIST,
        "-var_stream_map", stream_map(rungs, probe.has_audio),
        "-y", os.path.join(output_dir, "%v", RUNG_PLAYLIST),
    ]
    return command


def video_codec_args(rungs: list[PlannedRung], gop: str, settings: LadderSettings) -> list[str]:
    """x264 with a fixed GOP and each rung's rate control: shared by the ladder and the fan-out chunks.

    Capped CRF depends on nothing but the rung, so every chunk of a fanned-out film is
    encoded at the same quality and the joins between chunks do not pulse.
    """
    args = ["-c:v", "libx264", "-preset", settings.preset, "-profile:v", "high",
            "-g", gop, "-keyint_min", gop, "-sc_threshold", "0"]
    for index, planned in enumerate(rungs):
        rung = planned.rung
        if settings.rate_control == "fixed":
            args += [f"-b:v:{index}", f"{planned.kbps(rung.video_kbps)}k"]
        else:
            args += [f"-crf:v:{index}", str(rung.crf)]
        maxrate, bufsize = rung_limits(planned, settings)
        args += [f"-maxrate:v:{index}", f"{maxrate}k", f"-bufsize:v:{index}", f"{bufsize}k"]
    return args


def rung_limits(planned: PlannedRung, settings: LadderSettings) -> tuple[int, int]:
    """(maxrate, bufsize) in kb/s and kbit: the rung table's VBV cap, scaled to the rung's size."""
    rung = planned.rung
    return planned.kbps(rung.max_video_kbps), planned.kbps(rung.buffer_kbits)


AV1_WORK_MASTER = "av1_master.m3u8"  # FFmpeg's own master of the AV1 ladder: read for nothing, never published


def build_av1_ladder_command(ffmpeg: str, source: str, probe: MediaProbe, output_dir: str,
                             settings: LadderSettings) -> list[str]:
    """The AV1 ladder beside the H.264 one: `av1-<rung>/index.m3u8`, `init_<n>.mp4` and fMP4 segments.

    The same rungs (never above the source), frame rate, GOP and segment length as
    build_ladder_command, so its segments start at the H.264 ladder's instants; SVT-AV1 capped
    CRF per rung, no scene-cut keyframes; the audio muxed into every variant (CMAF), as the H.264
    variants of a film encoded in one process carry theirs.
    """
    command, rungs, gop = _ladder_inputs(ffmpeg, source_input(source, probe), probe, output_dir, settings)
    command += [*av1_codec_args(rungs, gop, settings), *_audio_args(probe, rungs, settings)]
    command += [
        "-f", "hls", "-hls_time", str(settings.segment_seconds), "-hls_playlist_type", "vod",
        "-hls_flags", "independent_segments", "-hls_segment_type", "fmp4",
        "-hls_fmp4_init_filename", AV1_INIT_SEGMENT,
        "-hls_segment_filename", os.path.join(output_dir, "%v", AV1_SEGMENT_PATTERN),
        "-master_pl_name", AV1_WORK_MASTER,
        "-var_stream_map", stream_map(rungs, probe.has_audio, prefix=AV1_PREFIX),
        "-y", os.path.join(output_dir, "%v", RUNG_PLAYLIST),
    ]
    return command


def av1_codec_args(rungs: list[PlannedRung], gop: str, settings: LadderSettings) -> list[str]:
    """SVT-AV1 with a fixed GOP, no scene-cut keyframes and each rung's capped CRF: shared by the AV1
    ladder and its chunks (pipeline/av1_chunks.py), so every chunk is encoded alike."""
    args = ["-c:v", "libsvtav1", "-g", gop, "-svtav1-params", "scd=0"]
    for index, planned in enumerate(rungs):
        rung = planned.rung
        maxrate, bufsize = av1_rung_limits(planned)
        preset = rung.av1_preset if settings.av1_preset is None else settings.av1_preset
        args += [f"-preset:v:{index}", str(preset), f"-crf:v:{index}", str(rung.av1_crf),
                 f"-maxrate:v:{index}", f"{maxrate}k", f"-bufsize:v:{index}", f"{bufsize}k"]
    return args


def av1_rung_limits(planned: PlannedRung) -> tuple[int, int]:
    """(maxrate, bufsize) of a rung's AV1 encode, in kb/s and kbit, scaled like the x264 caps."""
    rung = planned.rung
    return planned.kbps(rung.av1_max_video_kbps), planned.kbps(rung.av1_buffer_kbits)


def build_thumbnail_command(ffmpeg: str, source: str, probe: MediaProbe, thumbnail_path: str) -> list[str]:
    """One JPEG frame at about 10 % of the film, fitted into 1280x720 (720x1280 if portrait)."""
    width, height = probe.display_width, probe.display_height
    box = THUMBNAIL_BOX if width >= height else THUMBNAIL_BOX[::-1]
    scale = min(1, box[0] / width, box[1] / height)
    position = f"{probe.duration * THUMBNAIL_POSITION:.3f}"
    return [ffmpeg, *quiet_flags(), "-ss", position, *source_input(source, probe),
            "-map", f"0:{probe.video_stream_index}", "-frames:v", "1",
            "-vf", f"scale={_even(width * scale, width)}:{_even(height * scale, height)},setsar=1",
            "-map_metadata", "-1", "-q:v", "3", "-f", "image2", "-update", "1", "-y", thumbnail_path]


def quiet_flags() -> list[str]:
    return ["-hide_banner", "-nostdin", "-nostats", "-loglevel", "error"]


def safe_input(source: str, probe: MediaProbe) -> list[str]:
    """The probed demuxer, forced, reading only local files (see probe.py for the attack)."""
    return ["-protocol_whitelist", "file", "-f", probe.format_name, "-i", f"file:{source}"]


def source_input(source: str, probe: MediaProbe) -> list[str]:
    """The probed demuxer, forced; a URL may use its own protocol and nothing else (see probe.py)."""
    protocols = url_protocols(source)
    if protocols is None:
        return safe_input(source, probe)
    return ["-protocol_whitelist", protocols, "-reconnect", "1", "-reconnect_on_network_error", "1",
            "-rw_timeout", str(int(URL_READ_TIMEOUT * 1_000_000)), "-f", probe.format_name, "-i", source]


def ladder_filter(probe: MediaProbe, rungs: list[PlannedRung], rate: Fraction,
                  grid_from_zero: bool = False) -> str:
    """Constant rate, then one scaled branch per rung; `grid_from_zero` pins frame 0 to time 0."""
    branches = "".join(f"[s{i}]" for i in range(len(rungs)))
    fps = f"fps={rate_text(rate)}" + (":start_time=0" if grid_from_zero else "")
    graph = [f"[0:{probe.video_stream_index}]{fps},format=yuv420p,split={len(rungs)}{branches}"]
    graph += [f"[s{i}]scale={p.width}:{p.height},setsar=1[v{i}]" for i, p in enumerate(rungs)]
    return ";".join(graph)


def stream_map(rungs: list[PlannedRung], has_audio: bool, prefix: str = "") -> str:
    audio = ",a:{}" if has_audio else ""
    return " ".join(f"v:{i}{audio.format(i)},name:{prefix}{p.name}" for i, p in enumerate(rungs))


def rate_text(rate: Fraction) -> str:
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def _even(value: float, limit: int) -> int:
    """The nearest even number, but never above the source's `limit` (no enlarging) nor below 2."""
    nearest = int(value / 2 + 0.5) * 2
    if nearest > limit:
        nearest = limit - limit % 2
    return max(2, nearest)
