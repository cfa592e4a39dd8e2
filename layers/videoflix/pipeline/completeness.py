"""Whether an encode covers the length its source announced: pure, no I/O.

An MP4 cut off in transit keeps its header (when the index comes first), so the probe reads
the whole length while FFmpeg finds only the first part of the pictures, ends cleanly and
writes a short film. The encoded length is the sum of the segment durations FFmpeg wrote,
set against what the header announced.

Tolerance: the larger of 1 s and 2 % of the announced length. A complete source loses far
less than 1 s on the way (the last frame's duration, the encoder's delay and AAC priming,
a frame dropped when the rate is snapped to a common one); the 2 % leaves room on long films
for the quirks of broken or variable timestamps and edit lists, where failing a complete
film would cost a re-upload of many gigabytes. A file cut off in transit loses a random
share of its bytes, mostly far more than that, and the rare cut within the last 2 % of a long
film still plays everything but part of its end.
"""
from __future__ import annotations

from fractions import Fraction

from videoflix.pipeline.fanout.chunking import Chunk

MIN_TOLERANCE_SECONDS = 1.0
TOLERANCE_SHARE = 0.02


class OutputTooShort(Exception):
    """The encode ended before the length the source announced: the upload is incomplete."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def duration_tolerance(expected: float) -> float:
    return max(MIN_TOLERANCE_SECONDS, TOLERANCE_SHARE * expected)


def check_encoded_duration(expected: float, encoded: float, what: str) -> None:
    """Raise OutputTooShort when `encoded` seconds of `what` fall short of `expected` beyond the tolerance."""
    if expected - encoded > duration_tolerance(expected):
        raise OutputTooShort(
            f"Only {encoded:.1f} s of {what} could be encoded, but the file announces {expected:.1f} s: "
            "the upload is incomplete (cut off before its end). Upload the complete file again.")


def chunk_expected_seconds(chunk: Chunk, rate: Fraction, total_frames: int, picture_end: float) -> float:
    """Seconds of picture a fan-out chunk must encode: its frames, up to where the picture ends."""
    start = float(chunk.start(rate))
    end = start + float(chunk.seconds(rate, total_frames))
    return max(0.0, min(end, picture_end) - start)
