"""Reading FFmpeg's `-progress` output (blocks of key=value lines) as a percentage."""
from __future__ import annotations


class ProgressReader:
    """Feed it `-progress` lines; at the end of each block it answers the percent done (0-100)."""

    def __init__(self, duration: float) -> None:
        self.duration = duration
        self._seconds = 0.0

    def feed(self, line: str) -> int | None:
        key, separator, value = line.strip().partition("=")
        if not separator:
            return None
        if key in ("out_time_us", "out_time_ms"):  # both are microseconds (a historic FFmpeg quirk)
            seconds = _number(value)
            if seconds is not None:
                self._seconds = max(self._seconds, seconds / 1_000_000)
        elif key == "out_time":
            seconds = _clock(value)
            if seconds is not None:
                self._seconds = max(self._seconds, seconds)
        elif key == "progress":
            return 100 if value == "end" else self.percent
        return None

    @property
    def percent(self) -> int:
        if self.duration <= 0:
            return 0
        return max(0, min(100, int(self._seconds * 100 / self.duration)))


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:  # "N/A" before the first frame is out
        return None


def _clock(text: str) -> float | None:
    """Seconds of an `HH:MM:SS.micro` time, or None."""
    parts = text.split(":")
    if len(parts) != 3:
        return None
    try:
        hours, minutes, seconds = int(parts[0]), int(parts[1]), float(parts[2])
    except ValueError:
        return None
    sign = -1 if text.startswith("-") else 1
    return sign * (abs(hours) * 3600 + minutes * 60 + seconds)
