"""FFmpeg argument lists of the fan-out jobs: one chunk of every video rung, or the audio once.

Pure functions of the probe result and the chunk, built from the ladder's rung table and
encoder settings (pipeline/ladder.py), so a fanned-out film gets the same rungs, bitrates and
GOPs as one transcoded in a single process.

Timing: the chunk's frames come from a frame-accurate seek (`-ss` before `-i`, decoded and
re-encoded) onto a frame grid pinned at the chunk start, keyframes are forced at every GOP
start, and `-output_ts_offset` moves each chunk to its place on the film's timeline, so the
segments of consecutive chunks follow each other without gap or overlap. Every timestamp
also gets TIMELINE_OFFSET: the muxer shifts a stream that starts below zero (B-frame
delay, AAC priming) by however much it needs, which would differ between the first chunk,
the later ones and the audio; starting everything well above zero leaves them unshifted.
"""
from __future__ import annotations

import os
import re
from fractions import Fraction

from videoflix.pipeline.fanout.chunking import Chunk, segment_duration
from videoflix.pipeline.hls import AUDIO_RENDITION, MASTER_PLAYLIST, RUNG_PLAYLIST, SEGMENT_PATTERN
from videoflix.pipeline.ladder import (LadderSettings, keyframe_interval, ladder_filter, output_frame_rate, plan_ladder,
                                       quiet_flags, source_input, stream_map, video_codec_args)
from videoflix.pipeline.probe import MediaProbe

TIMELINE_OFFSET = 10  # seconds; above any encoder delay
AAC_FRAME_SAMPLES = 1024
SEGMENT_PREFIX = re.compile(r"[A-Za-z0-9_-]*")  # keeps names within hls.SEGMENT_NAME


def build_chunk_command(ffmpeg: str, source: str, probe: MediaProbe, chunk: Chunk, output_dir: str,
                        settings: LadderSettings, segment_prefix: str = "") -> list[str]:
    """Video only, every rung: `<rung>/<prefix>segment_<n>.ts` numbered from the chunk's first segment."""
    _check_names(output_dir, segment_prefix)
    rungs = plan_ladder(probe)
    rate = output_frame_rate(probe, settings)
    gop = keyframe_interval(rate, settings)
    start = chunk.start(rate)
    seek = ["-ss", _seconds(start)] if chunk.first_frame else []
    command = [ffmpeg, *quiet_flags(), *seek, *source_input(source, probe),
               "-filter_complex", ladder_filter(probe, rungs, rate, grid_from_zero=True)]
    for index in range(len(rungs)):
        command += ["-map", f"[v{index}]"]
    command += ["-map_metadata", "-1", "-map_chapters", "-1", *video_codec_args(rungs, str(gop), settings),
                "-force_key_frames", f"expr:eq(mod(n,{gop}),0)"]
    if chunk.frame_count is not None:
        command += ["-frames:v", str(chunk.frame_count)]
    command += ["-output_ts_offset", _seconds(TIMELINE_OFFSET + start),
                *_hls_output(output_dir, segment_duration(rate, settings), segment_prefix),
                "-start_number", str(chunk.first_segment),
                "-var_stream_map", stream_map(rungs, has_audio=False),
                "-y", os.path.join(output_dir, "%v", RUNG_PLAYLIST)]
    return command


def build_audio_command(ffmpeg: str, source: str, probe: MediaProbe, output_dir: str, settings: LadderSettings,
                        kbps: int, segment_prefix: str = "") -> list[str]:
    """The whole audio track as one HLS rendition, `audio/<prefix>segment_<n>.ts`, timed like the video."""
    if not probe.has_audio:
        raise ValueError("the source has no audio track")
    _check_names(output_dir, segment_prefix)
    rate = output_frame_rate(probe, settings)
    # The encoder's priming frame sits before zero; without one frame less at the end, a
    # film whose sound ends on a segment boundary gets a last segment of a single frame.
    seconds = max(Fraction(1, 10), Fraction(probe.duration) - Fraction(AAC_FRAME_SAMPLES, settings.audio_sample_rate))
    return [ffmpeg, *quiet_flags(), *source_input(source, probe),
            "-map", f"0:{probe.audio_stream_index}", "-map_metadata", "-1", "-map_chapters", "-1",
            # The audio job runs as long as the film is, on one core: the fast coder is twice as
            # fast as the default and, FFmpeg's manual says, better above 64 kb/s.
            "-c:a", "aac", "-aac_coder", "fast", "-ac", "2", "-ar", str(settings.audio_sample_rate), "-b:a", f"{kbps}k",
            "-t", _seconds(seconds), "-output_ts_offset", _seconds(TIMELINE_OFFSET),
            *_hls_output(output_dir, segment_duration(rate, settings), segment_prefix),
            "-var_stream_map", f"a:0,name:{AUDIO_RENDITION}",
            "-y", os.path.join(output_dir, "%v", RUNG_PLAYLIST)]


def _hls_output(output_dir: str, segment_seconds: Fraction, prefix: str) -> list[str]:
    return ["-f", "hls", "-hls_time", _seconds(segment_seconds), "-hls_playlist_type", "vod",
            "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
            "-hls_segment_filename", os.path.join(output_dir, "%v", prefix + SEGMENT_PATTERN),
            "-master_pl_name", MASTER_PLAYLIST]


def _check_names(output_dir: str, segment_prefix: str) -> None:
    if "%" in output_dir:
        raise ValueError("output_dir must not contain '%': FFmpeg expands it in HLS names")
    if not SEGMENT_PREFIX.fullmatch(segment_prefix):
        raise ValueError(f"segment prefix {segment_prefix!r} would make names the catalog refuses")


def _seconds(value: Fraction | int) -> str:
    return f"{float(value):.6f}"
