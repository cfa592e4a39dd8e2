"""Video Ready / Video Failed, published after the status commits, against the twins."""
from __future__ import annotations

from datetime import timedelta

from videoflix_tools.testing.factories import video_row
from videoflix.db.models import utcnow
from videoflix.domain.video_events import VIDEO_FAILED, VIDEO_READY
from videoflix.effects import announce
from videoflix.pipeline.sweeper import Sweeper
from videoflix.pipeline.transcode import TranscodeJob
from videoflix_tools.testing.emf import metric_values
from videoflix_tools.testing.memory import FailingPort


def test_the_sweeper_failing_a_spent_lease_publishes_video_failed_with_the_reason(services, add_video, capsys):
    now = utcnow()
    spent = add_video("processing", attempts=3, lease_expires_at=now - timedelta(minutes=1), title="Ocean")
    add_video("processing", attempts=1, lease_expires_at=now - timedelta(minutes=1))
    Sweeper(services).run(now=now)
    [detail] = services.events.of_type(VIDEO_FAILED)
    assert detail == {"id": spent, "title": "Ocean", "duration": None, "renditions": [],
                      "reason": video_row(services, spent).error}
    assert "attempt 3 of 3" in detail["reason"]
    out = capsys.readouterr().out
    assert metric_values(out, "ExpiredLeases") == [(2, {})]
    assert metric_values(out, "VideosFailed") == [(1, {"Stage": "sweeper"})]


def test_a_sweep_without_expired_leases_still_reports_zero(services, capsys):
    Sweeper(services).run()
    assert metric_values(capsys.readouterr().out, "ExpiredLeases") == [(0, {})]
    assert services.events.published == []


def test_a_transcode_failure_publishes_video_failed_once(services, add_video):
    video_id = add_video("processing", attempts=1)
    job = TranscodeJob(services)
    job.fail(video_id, "The file is not a video.")
    job.fail(video_id, "again")  # already failed: no second event
    assert services.events.of_type(VIDEO_FAILED) == [
        {"id": video_id, "title": video_row(services, video_id).title, "duration": None, "renditions": [],
         "reason": "The file is not a video."}]


def test_a_ready_video_publishes_its_renditions_and_duration(services, add_video):
    video_id = add_video("ready", duration=12.5, renditions=["480p", "720p"])
    announce(services, video_id, "single")
    [event] = services.events.published
    assert event.source == "videoflix" and event.detail_type == VIDEO_READY
    assert event.detail["renditions"] == ["480p", "720p"] and event.detail["duration"] == 12.5
    assert event.detail["reason"] is None


def test_a_bus_that_refuses_is_logged_and_the_film_stays_failed(services, add_video, caplog):
    video_id = add_video("processing", attempts=1)
    services.events = FailingPort(services.events, "publish", ConnectionError("EventBridge unreachable"))
    TranscodeJob(services).fail(video_id, "broken")
    assert video_row(services, video_id).status == "failed"
    assert len(services.events.refused) == 1
    assert "could not publish the event of video" in caplog.text
