"""Plain-text progress bars on standard error, for terminals and for logs alike."""
from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, TextIO

BAR_WIDTH = 24
REDRAW_SECONDS = 0.1
MIB = 1024 * 1024


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = int(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def format_size(size: float) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", MIB), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} B"


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def format_transfer(label: str, done: int, total: int, rate: float | None = None) -> str:
    """`film.mp4 [######------]  50%  5.5 MiB/11.0 MiB  2.0 MiB/s  ETA 0:00:03`."""
    fraction = done / total if total else 1.0
    text = f"{label} {bar(fraction)} {int(fraction * 100):3d}%  {format_size(done)}/{format_size(total)}"
    if rate:
        text += f"  {format_size(rate)}/s"
        if done < total:
            text += f"  ETA {format_duration((total - done) / rate)}"
    return text


def format_transcode(video_id: int, status: str, progress: int) -> str:
    """`Transcoding video 3 [#####-------]  40%  processing`."""
    return f"Transcoding video {video_id} {bar(progress / 100)} {progress:3d}%  {status}"


class ProgressLine:
    """One status line: redrawn in place on a terminal; in a log, a new line only at each milestone."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.clock = clock
        self._drawn_at = float("-inf")
        self._milestone: Any = object()
        self._width = 0

    def show(self, text: str, milestone: Any, force: bool = False) -> None:
        """`force` redraws a terminal now; a log still gets a line only for a new milestone."""
        if self.tty:
            now = self.clock()
            if force or now - self._drawn_at >= REDRAW_SECONDS:
                self._drawn_at = now
                padding = " " * max(0, self._width - len(text))
                self._width = len(text)
                self.stream.write(f"\r{text}{padding}")
                self.stream.flush()
        elif milestone != self._milestone:
            self._milestone = milestone
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        if self.tty and self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0


class TransferProgress:
    """Bytes sent by several threads at once, shown as one bar."""

    def __init__(self, label: str, total: int, done: int = 0, line: ProgressLine | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.total = total
        self.done = done
        self.line = line or ProgressLine(clock=clock)
        self.clock = clock
        self._started_at = clock()
        self._started_with = done
        self._lock = threading.Lock()
        self._draw(force=True)

    def advance(self, count: int) -> None:
        """Count bytes sent; a negative count takes back the bytes of a part that is sent again."""
        with self._lock:
            self.done += count
            self._draw()

    def close(self) -> None:
        """Draw the final state and end the line (also after a failure, so errors start on their own line)."""
        with self._lock:
            self._draw(force=True)
            self.line.close()

    def _draw(self, force: bool = False) -> None:
        elapsed = self.clock() - self._started_at
        rate = (self.done - self._started_with) / elapsed if elapsed > 0.5 else None
        percent = int(self.done * 100 / self.total) if self.total else 100
        self.line.show(format_transfer(self.label, self.done, self.total, rate), percent // 10, force)
