"""Following a video's transcode until it is ready or has failed."""
from __future__ import annotations

import time
from typing import Any, Callable

POLL_SECONDS = 2.0
SETTLED = {"ready", "failed"}


class WaitTimedOut(Exception):
    pass


def pause(seconds: float) -> None:
    time.sleep(seconds)


def now() -> float:
    return time.monotonic()


def wait_until_settled(fetch: Callable[[], dict[str, Any]], report: Callable[[dict[str, Any]], None], *,
                       interval: float = POLL_SECONDS, timeout: float | None = None,
                       sleep: Callable[[float], None] | None = None,
                       clock: Callable[[], float] | None = None) -> dict[str, Any]:
    """Fetch the video every `interval` seconds, reporting each state, until it is ready or failed."""
    sleep, clock = sleep or pause, clock or now
    started = clock()
    while True:
        video = fetch()
        report(video)
        if video.get("status") in SETTLED:
            return video
        if timeout is not None and clock() - started >= timeout:
            raise WaitTimedOut(f"video {video.get('id')} is still {video.get('status')} after {timeout:g} s")
        sleep(interval)
