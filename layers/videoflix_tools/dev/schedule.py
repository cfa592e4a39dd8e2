"""Scheduled functions in the dev stack, invoked on a timer as EventBridge rules invoke them in AWS."""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from typing import Any, Callable

from videoflix_tools.functions import LocalContext

log = logging.getLogger("videoflix_tools.dev.schedule")

# template.yaml: SweeperFunction, `Schedule: rate(15 minutes)`.
SWEEP_INTERVAL_SECONDS = 15 * 60
# Soon after start, so what a stopped stack left behind (an expired lease) is picked up at once.
FIRST_SWEEP_DELAY_SECONDS = 10.0


def scheduled_event(rule: str) -> dict[str, Any]:
    """What EventBridge sends a function its rule invokes."""
    return {"version": "0", "id": f"dev-{rule}", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "000000000000", "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": "local", "resources": [f"arn:aws:events:local:000000000000:rule/{rule}"], "detail": {}}


class Schedule:
    """Calls `handler` every `interval` seconds (the first time after `first_delay`) on a thread.

    A run that raises is logged and the schedule goes on, as a failed scheduled invocation
    does not stop its rule.
    """

    def __init__(self, name: str, handler: Callable[[dict, Any], Any], interval: float,
                 first_delay: float = 0.0) -> None:
        self.name, self.handler, self.interval, self.first_delay = name, handler, interval, first_delay
        self.runs = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"schedule-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _loop(self) -> None:
        delay = self.first_delay
        while not self._stopping.wait(delay):
            self.run_once()
            delay = self.interval

    def run_once(self) -> None:
        self.runs += 1
        try:
            result = self.handler(scheduled_event(self.name),
                                  LocalContext(self.name, timeout_seconds=120, memory_mb=256, request_id="dev-schedule"))
        except Exception:
            log.exception("scheduled %s failed; it runs again in %.0f s", self.name, self.interval)
            return
        log.info("scheduled %s: %s", self.name, result)
