"""FFmpeg argument lists of the fan-out jobs: one chunk of every video rung, or one part of the audio.

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

import math
import os
import re
from fractions import Fraction

from videoflix.domain.hls import AUDIO_RENDITION, MASTER_PLAYLIST, RUNG_PLAYLIST, SEGMENT_PATTERN
from videoflix.pipeline.fanout.chunking import WHOLE_TRACK, AudioPart, Chunk, segment_duration
from videoflix.pipeline.ladder import (LadderSettings, keyframe_interval, ladder_filter, output_frame_rate, plan_ladder,
                                       quiet_flags, source_input, stream_map, video_codec_args)
from videoflix.pipeline.probe import MediaProbe

TIMELINE_OFFSET = 10  # seconds; above any encoder delay
AAC_FRAME_SAMPLES = 1024
AUDIO_PREROLL_FRAMES = 47  # about 1 s: the encoder's rate control and psychoacoustics settle
AUDIO_POSTROLL_FRAMES = 24  # about 0.5 s: the last kept frame's look-ahead and overlap
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
                        kbps: int, segment_prefix: str = "", part: AudioPart = WHOLE_TRACK) -> list[str]:
    """One part of the audio rendition, `audio/<prefix>segment_<n>.ts`, timed like the video.

    The encoder starts AUDIO_PREROLL_FRAMES before the part and runs AUDIO_POSTROLL_FRAMES past
    it, on the film's grid of AAC frames; the `noise` bitstream filter then drops the encoded
    frames outside the part. So consecutive parts meet at a whole frame, each frame encoded
    from the same samples with a settled encoder, and the decoder's overlap of the last frame
    of one part with the first of the next adds up as within one encode: no gap, no click."""
    if not probe.has_audio:
        raise ValueError("the source has no audio track")
    _check_names(output_dir, segment_prefix)
    frame = aac_frame_seconds(settings)
    rate = output_frame_rate(probe, settings)
    # The encoder's priming frame sits before zero; without one frame less at the end, a
    # film whose sound ends on a segment boundary gets a last segment of a single frame.
    sound_end = max(Fraction(1, 10), Fraction(probe.duration) - frame)
    first = audio_cut(part.first_segment, rate, settings)
    after = None if part.segment_count is None else audio_cut(part.first_segment + part.segment_count, rate,
                                                                     settings)
    # Whole frames from zero, so this encoder's frames fall on the whole track's grid.
    start = max(0, round(first / frame) - AUDIO_PREROLL_FRAMES) * frame
    end = sound_end if after is None else min(sound_end, after + AUDIO_POSTROLL_FRAMES * frame)
    # pts*tb counts from this encode's start; half a frame of margin keeps rounding off the edges.
    drops = [f"lt(pts*tb\\,{_seconds(first - start - frame / 2)})"] if part.first_segment else []
    if after is not None:
        drops.append(f"gte(pts*tb\\,{_seconds(after - start - frame / 2)})")
    # No seek for a part from zero: `-ss 0` moves an MP4's AAC by its priming (one source frame).
    seek = ["-ss", _seconds(start)] if start else []
    return [ffmpeg, *quiet_flags(), *seek, *source_input(source, probe),
            "-map", f"0:{probe.audio_stream_index}", "-map_metadata", "-1", "-map_chapters", "-1",
            # The fast coder is twice as fast as the default and, FFmpeg's manual says, better above 64 kb/s.
            "-c:a", "aac", "-aac_coder", "fast", "-ac", "2", "-ar", str(settings.audio_sample_rate), "-b:a", f"{kbps}k",
            "-t", _seconds(end - start), *(["-bsf:a", "noise=drop=" + "+".join(drops)] if drops else []),
            "-output_ts_offset", _seconds(TIMELINE_OFFSET + start),
            *_hls_output(output_dir, segment_duration(rate, settings), segment_prefix),
            "-start_number", str(part.first_segment),
            "-var_stream_map", f"a:0,name:{AUDIO_RENDITION}",
            "-y", os.path.join(output_dir, "%v", RUNG_PLAYLIST)]


def aac_frame_seconds(settings: LadderSettings) -> Fraction:
    return Fraction(AAC_FRAME_SAMPLES, settings.audio_sample_rate)


def audio_cut(segment: int, rate: Fraction, settings: LadderSettings) -> Fraction:
    """Where audio segment `segment` starts: the first AAC frame at most one frame before the video
    segment's start. A whole-track encode splits its segments there too (the HLS muxer counts from
    the priming frame, at minus one frame), so segment 0 starts with the priming frame."""
    frame = aac_frame_seconds(settings)
    return math.ceil(segment * segment_duration(rate, settings) / frame - 1) * frame


def audio_part_seconds(part: AudioPart, probe: MediaProbe, settings: LadderSettings) -> tuple[float, float]:
    """(start, seconds) of the sound a part must encode, for progress and the completeness check."""
    rate = output_frame_rate(probe, settings)
    sound = probe.sound_duration if probe.sound_duration is not None else probe.duration
    start = max(Fraction(0), audio_cut(part.first_segment, rate, settings))
    if part.segment_count is None:
        return float(start), max(0.0, sound - float(start))
    end = audio_cut(part.first_segment + part.segment_count, rate, settings)
    return float(start), max(0.0, min(float(end), sound) - float(start))


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
