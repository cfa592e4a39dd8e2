"""The dev stack's timer for scheduled functions (the sweeper), as EventBridge invokes them in AWS."""
from __future__ import annotations

import re
import threading
import time

from videoflix_tools.dev.schedule import SWEEP_INTERVAL_SECONDS, Schedule
from videoflix_tools.functions import PROJECT_ROOT


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_runs_again_and_again_with_a_scheduled_event_and_survives_a_failing_run():
    events, lock = [], threading.Lock()

    def handler(event, context):
        with lock:
            events.append(event)
            if len(events) == 2:
                raise RuntimeError("the database is down this time")
        return {"requeued": []}

    schedule = Schedule("sweeper", handler, interval=0.02)
    schedule.start()
    try:
        assert wait_until(lambda: len(events) >= 4), "the schedule stopped after the failing run"
    finally:
        schedule.stop()
    assert {(e["source"], e["detail-type"]) for e in events} == {("aws.events", "Scheduled Event")}
    assert events[0]["resources"][0].endswith("rule/sweeper")
    stopped_at = len(events)
    time.sleep(0.1)
    assert len(events) == stopped_at  # nothing runs after stop()


def test_the_first_run_waits_for_its_delay_and_stop_does_not():
    calls = []
    schedule = Schedule("sweeper", lambda event, context: calls.append(event), interval=60, first_delay=60)
    schedule.start()
    started = time.monotonic()
    schedule.stop()
    assert time.monotonic() - started < 5 and calls == []


def test_the_dev_stack_sweeps_as_often_as_the_deployed_rule():
    template = (PROJECT_ROOT / "template.yaml").read_text()
    sweeper = template[template.index("  SweeperFunction:"):]
    [minutes] = re.findall(r"Schedule: rate\((\d+) minutes\)", sweeper)[:1]
    assert SWEEP_INTERVAL_SECONDS == int(minutes) * 60
