"""Running FFmpeg (the only subprocess code): argument lists, a time budget, progress."""
from __future__ import annotations

import collections
import functools
import logging
import subprocess
import threading
import time
from typing import Callable, Sequence

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
    stderr_tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL_LINES)
    drain = threading.Thread(target=lambda: stderr_tail.extend(process.stderr), daemon=True)
    drain.start()
    # A watchdog rather than a read timeout: FFmpeg may go silent while stuck.
    over_budget = threading.Event()
    watchdog = threading.Timer(time_budget, lambda: (over_budget.set(), process.kill())) if time_budget else None
    if watchdog:
        watchdog.daemon = True
        watchdog.start()
    try:
        _follow_progress(process.stdout, ProgressReader(duration), on_progress, progress_interval)
        returncode = process.wait()
    finally:
        if watchdog:
            watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        drain.join(timeout=5)
    if over_budget.is_set() and returncode != 0:  # a clean exit may just beat the watchdog
        raise TimeBudgetExceeded(f"FFmpeg was stopped after the {time_budget:.0f} s time budget")
    if returncode != 0:
        raise FFmpegFailed(returncode, " | ".join(line.strip() for line in stderr_tail if line.strip())[-2000:])


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
