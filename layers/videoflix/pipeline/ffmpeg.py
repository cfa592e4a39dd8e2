"""Running FFmpeg (the only subprocess code): argument lists, a time budget, progress."""
from __future__ import annotations

import collections
import functools
import io
import logging
import subprocess
import threading
import time
from typing import Callable, Iterable, Sequence

from videoflix.pipeline.progress import ProgressReader

log = logging.getLogger("videoflix.ffmpeg")

STDERR_TAIL_LINES = 30
PROGRESS_INTERVAL_SECONDS = 3.0


class TimeBudgetExceeded(Exception):
    """FFmpeg ran longer than allowed and was killed."""


class FFmpegFailed(RuntimeError):
    def __init__(self, returncode: int, stderr_tail: str) -> None:
        super().__init__(f"FFmpeg exited with status {returncode}: {stderr_tail or '(no error output)'}")
        self.returncode = returncode
        self.stderr_tail = stderr_tail


@functools.cache
def ffmpeg_executable() -> str:
    """The FFmpeg of the imageio-ffmpeg wheel: the same binary on laptops, in CI and in Lambda."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: Sequence[str], duration: float, time_budget: float | None,
               on_progress: Callable[[int], None] | None,
               progress_interval: float = PROGRESS_INTERVAL_SECONDS) -> None:
    """Run FFmpeg to completion, reporting percent done from its `-progress pipe:1` output.

    Raises TimeBudgetExceeded (after killing it) when it runs past `time_budget` seconds,
    and FFmpegFailed with the end of its error output when it exits non-zero.
    """
    process = subprocess.Popen(list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace")
    with _Supervised(process, time_budget) as supervised:
        _follow_progress(process.stdout, ProgressReader(duration), on_progress, progress_interval)
        supervised.returncode = process.wait()


def run_ffmpeg_fed(args: Sequence[str], chunks: Iterable[bytes], time_budget: float | None) -> None:
    """Run FFmpeg on what `chunks` yields, written to its standard input (`-i pipe:0`) as it comes.

    Raises as run_ffmpeg does, the budget counting the time spent making the chunks too; an
    exception from `chunks` (a failed read of the source, say) kills FFmpeg and goes on up.
    """
    process = subprocess.Popen(list(args), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    with _Supervised(process, time_budget) as supervised:
        try:
            for chunk in chunks:
                if supervised.over_budget.is_set():
                    break
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # FFmpeg exited early: its status and error output tell why
        supervised.returncode = process.wait()


class _Supervised:
    """Drains a running FFmpeg's error output, kills it past its time budget (a watchdog rather than a
    read timeout: FFmpeg may go silent while stuck), and raises for its exit status; the body sets
    `returncode`. Leaving the block early kills the process."""

    def __init__(self, process: subprocess.Popen, time_budget: float | None) -> None:
        self.process = process
        self.time_budget = time_budget
        self.returncode: int | None = None
        self.over_budget = threading.Event()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
        lines = process.stderr if process.text_mode else io.TextIOWrapper(process.stderr, errors="replace")
        self.drain = threading.Thread(target=lambda: self.stderr_tail.extend(lines), daemon=True)
        self.watchdog = threading.Timer(time_budget, self._kill) if time_budget else None

    def _kill(self) -> None:
        self.over_budget.set()
        self.process.kill()

    def __enter__(self) -> _Supervised:
        self.drain.start()
        if self.watchdog:
            self.watchdog.daemon = True
            self.watchdog.start()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.watchdog:
            self.watchdog.cancel()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdin:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        self.drain.join(timeout=5)
        if exc_info[0] is not None:
            return
        if self.over_budget.is_set() and self.returncode != 0:  # a clean exit may just beat the watchdog
            raise TimeBudgetExceeded(f"FFmpeg was stopped after the {self.time_budget:.0f} s time budget")
        if self.returncode != 0:
            tail = " | ".join(line.strip() for line in self.stderr_tail if line.strip())[-2000:]
            raise FFmpegFailed(self.returncode, tail)


def _follow_progress(lines, reader: ProgressReader, on_progress: Callable[[int], None] | None,
                     interval: float) -> None:
    last_report = time.monotonic()
    for line in lines:
        percent = reader.feed(line)
        if percent is None or on_progress is None:
            continue
        now = time.monotonic()
        if percent == 100 or now - last_report >= interval:
            last_report = now
            try:
                on_progress(percent)
            except Exception:
                # Progress is for people watching; a failed write must not kill the transcode.
                log.warning("progress callback failed at %s%%", percent, exc_info=True)
