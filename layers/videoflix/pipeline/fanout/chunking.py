"""Cutting a film into chunks on segment boundaries, counted in output frames: pure, no I/O.

Everything is counted in frames of the constant output rate: a segment is a whole number of
GOPs and a chunk a whole number of segments. So every chunk starts on a keyframe, exactly
where the single-process ladder starts a segment, and the chunks' segments, numbered on
from the chunks before, make one continuous rendition.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from videoflix.pipeline.ladder import LadderSettings, keyframe_interval


@dataclass(frozen=True)
class Chunk:
    index: int
    first_frame: int
    frame_count: int | None  # None: on to the end of the source (the last chunk)
    first_segment: int
    segment_count: int  # planned; the last chunk's depends on where the source really ends

    def start(self, rate: Fraction) -> Fraction:
        return Fraction(self.first_frame) / rate

    def seconds(self, rate: Fraction, total_frames: int) -> Fraction:
        frames = self.frame_count if self.frame_count is not None else total_frames - self.first_frame
        return Fraction(max(frames, 0)) / rate


@dataclass(frozen=True)
class AudioPart:
    """A run of whole segments of the audio rendition, encoded by a job of its own."""
    index: int
    first_segment: int
    segment_count: int | None  # None: on to the end of the sound (the last part)


WHOLE_TRACK = AudioPart(0, 0, None)  # one part: the audio as one job encoded it before the split


def segment_frames(rate: Fraction, settings: LadderSettings) -> int:
    return keyframe_interval(rate, settings) * max(1, settings.segment_seconds // settings.keyframe_seconds)


def segment_duration(rate: Fraction, settings: LadderSettings) -> Fraction:
    """6 s at whole rates, 6.006 s at the NTSC ones (180 frames at 30000/1001)."""
    return Fraction(segment_frames(rate, settings)) / rate


def total_frames(duration: float, rate: Fraction) -> int:
    return max(1, math.ceil(Fraction(duration) * rate - Fraction(1, 1000)))


def plan_chunks(duration: float, rate: Fraction, chunk_seconds: int, settings: LadderSettings) -> list[Chunk]:
    """Chunks of `chunk_seconds` rounded down to whole segments (one at least), in order."""
    per_segment = segment_frames(rate, settings)
    segments_per_chunk = max(1, chunk_seconds // settings.segment_seconds)
    per_chunk = per_segment * segments_per_chunk
    frames = total_frames(duration, rate)
    count = math.ceil(frames / per_chunk)
    # A tail shorter than a segment rides with the chunk before it: a worker of its own
    # would cost more in start-up than it saves.
    if count > 1 and frames - (count - 1) * per_chunk < per_segment:
        count -= 1
    chunks = []
    for index in range(count):
        first = index * per_chunk
        last = index == count - 1
        segments = math.ceil((frames - first) / per_segment) if last else segments_per_chunk
        chunks.append(Chunk(index, first, None if last else per_chunk, index * segments_per_chunk, segments))
    return chunks


def plan_audio_parts(seconds: float, rate: Fraction, part_seconds: int, settings: LadderSettings) -> list[AudioPart]:
    """Parts of `part_seconds` rounded down to whole segments (one at least), covering `seconds` of sound.

    Audio encodes about 20 times faster than the video ladder, so a part may be several chunks
    long: fewer parts mean fewer joins and less repeated start-up, while each part still ends
    before the chunks do."""
    per_part = max(1, part_seconds // settings.segment_seconds)
    segments = math.ceil(total_frames(seconds, rate) / segment_frames(rate, settings))
    count = max(1, math.ceil(segments / per_part))
    # A last part with less than a second of sound rides with the part before it: a job for a
    # few frames (or none, where the sound ends just past a segment start) is start-up alone.
    if count > 1 and seconds - float((count - 1) * per_part * segment_duration(rate, settings)) < 1:
        count -= 1
    return [AudioPart(index, index * per_part, None if index == count - 1 else per_part) for index in range(count)]
