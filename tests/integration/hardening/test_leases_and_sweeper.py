"""The transcode lease after a worker died, and the scheduled sweeper (videos/sweeper.py)."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from tests.integration.hardening.conftest import media_keys, put_media, queue_bodies, set_video, video_row
from tests.integration.videos.conftest import completed_upload_message
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import Video, utcnow
from videoflix_tools.testing.factories import insert_video as add_video

pytestmark = pytest.mark.integration


@pytest.fixture
def uploaded_clip(clip_factory, upload_video, services, transcode_queue_messages):
    """A completed upload and its S3 notification (the queue is left empty)."""
    body = upload_video(clip_factory(seconds=2, width=640, height=360))
    message = completed_upload_message(transcode_queue_messages())
    aws_client("sqs", services.settings).purge_queue(
        QueueUrl=queue_url(services.settings, services.settings.transcode_queue_name))
    return body["video"]["id"], message


def died_mid_run(services, video_id: int, lease_left: timedelta, attempts: int = 1) -> None:
    """As a worker leaves its video when it is killed: processing, under its lease, part of its output written."""
    set_video(services, video_id, status="processing", attempts=attempts, progress=40,
              lease_expires_at=utcnow() + lease_left)
    put_media(services, f"videos/{video_id}/720p/segment_00007.ts")


def test_a_worker_that_died_mid_run_is_taken_over_by_the_redelivery_once_its_lease_expired(uploaded_clip,
                                                                                           services):
    from videoflix.pipeline.transcode import TranscodeJob

    video_id, message = uploaded_clip
    record = {"messageId": "1", "body": json.dumps(message)}
    died_mid_run(services, video_id, lease_left=timedelta(minutes=10))
    TranscodeJob(services).handle_record(record)  # the lease still runs: the delivery is a duplicate
    video = video_row(services, video_id)
    assert (video.status, video.attempts, video.progress) == ("processing", 1, 40)

    set_video(services, video_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    TranscodeJob(services).handle_record(record)  # SQS's redelivery after the visibility timeout
    video = video_row(services, video_id)
    assert (video.status, video.attempts, video.lease_expires_at) == ("ready", 2, None)
    keys = media_keys(services, video_id)
    assert f"videos/{video_id}/master.m3u8" in keys
    assert f"videos/{video_id}/720p/segment_00007.ts" not in keys  # the dead worker's leftovers are gone


def run_sweeper(services, minutes_from_now: float = 0):
    from videoflix.pipeline.sweeper import Sweeper

    return Sweeper(services).run(now=utcnow() + timedelta(minutes=minutes_from_now))


def test_sweeper_requeues_an_expired_lease_and_the_transcoder_finishes_the_film(uploaded_clip, services,
                                                                              transcoder, staff_client):
    video_id, _ = uploaded_clip  # the message is gone (in the dead-letter queue, say)
    died_mid_run(services, video_id, lease_left=-timedelta(minutes=1))
    report = run_sweeper(services)
    assert (report.requeued, report.failed) == ([video_id], [])
    video = video_row(services, video_id)
    assert video.status == "uploaded" and "stopped without finishing" in video.error
    [requeued] = queue_bodies(services, services.settings.transcode_queue_name)
    assert requeued["Records"][0]["s3"]["bucket"]["name"] == services.settings.upload_bucket
    assert run_sweeper(services).requeued == []  # nothing twice
    transcoder()
    video = video_row(services, video_id)
    assert (video.status, video.attempts) == ("ready", 2)
    assert f"videos/{video_id}/720p/segment_00007.ts" not in media_keys(services, video_id)
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "ready"


def test_sweeper_fails_a_spent_lease_requeues_a_lost_one_and_leaves_running_ones(services):
    now = utcnow()
    spent = add_video(services, "processing", attempts=3, lease_expires_at=now - timedelta(minutes=1))
    running = add_video(services, "processing", attempts=1, lease_expires_at=now + timedelta(minutes=10))
    without_lease = add_video(services, "processing", attempts=1, lease_expires_at=None)
    waiting = add_video(services, "uploaded", attempts=1)
    report = run_sweeper(services)
    assert (report.failed, report.requeued) == ([spent], [without_lease])
    failed = video_row(services, spent)
    assert failed.status == "failed" and "attempt 3 of 3" in failed.error and "retry" in failed.error
    assert video_row(services, running).status == "processing"
    assert video_row(services, waiting).status == "uploaded"
    [message] = [m for m in queue_bodies(services, services.settings.transcode_queue_name)
                 if m.get("Event") != "s3:TestEvent"]  # S3 sends one when notifications are set up
    assert message["Records"][0]["s3"]["object"]["key"] == f"uploads%2F{without_lease}%2Ff.mp4"


def test_a_requeue_that_cannot_be_sent_changes_nothing(services, monkeypatch):
    from videoflix_tools.testing.memory import FailingPort

    lost = add_video(services, "processing", attempts=1, lease_expires_at=utcnow() - timedelta(minutes=1))
    monkeypatch.setattr(services, "transcode_queue",
                        FailingPort(services.transcode_queue, "request", ConnectionError("SQS unreachable")))
    with pytest.raises(ConnectionError):
        run_sweeper(services)
    assert video_row(services, lost).status == "processing"  # rolled back: the next sweep tries again
    monkeypatch.undo()
    assert run_sweeper(services).requeued == [lost]


def test_sweeper_deletes_orphaned_output_only(services, staff_client):
    keep = {status: add_video(services, status) for status in ("ready", "processing")}
    drop = {status: add_video(services, status) for status in ("failed", "uploaded", "awaiting_upload")}
    drop["deleted"] = 4242
    for video_id in [*keep.values(), *drop.values()]:
        put_media(services, f"videos/{video_id}/480p/segment_00000.ts")
        put_media(services, f"videos/{video_id}/master.m3u8")
    put_media(services, "videos/notes/readme.txt")   # not a video's prefix: not ours to judge
    put_media(services, "videos/0042/master.m3u8")   # not how an id is written either
    # Objects younger than the grace period might belong to a transcode that just started: kept.
    assert run_sweeper(services).orphans_deleted == {}
    report = run_sweeper(services, minutes_from_now=10)
    assert report.orphans_deleted == {f"videos/{video_id}/": 2 for video_id in drop.values()}
    for video_id in keep.values():
        assert len(media_keys(services, video_id)) == 2
    for video_id in drop.values():
        assert media_keys(services, video_id) == []
    assert len(staff_client.get("/api/admin/videos/").json) == 5  # the rows themselves are untouched


def test_sweeper_function_reports_what_it_did(services):
    from videoflix_tools.functions import load_handler

    spent = add_video(services, "processing", attempts=3, lease_expires_at=utcnow() - timedelta(minutes=1))
    result = load_handler("sweeper")({"source": "aws.events", "detail-type": "Scheduled Event"}, None)
    assert result == {"requeued": [], "failed": [spent], "orphans_deleted": {}, "mail": {"resent": 0, "pruned": 0},
                      "playback_records_pruned": 0}


def test_the_dev_stack_sweeps_on_its_schedule(services):
    from videoflix_tools.dev.schedule import FIRST_SWEEP_DELAY_SECONDS, SWEEP_INTERVAL_SECONDS, Schedule
    from videoflix_tools.dev.stack import build_sweeper_schedule

    spent = add_video(services, "processing", attempts=3, lease_expires_at=utcnow() - timedelta(minutes=1))
    production = build_sweeper_schedule()
    assert (production.interval, production.first_delay) == (SWEEP_INTERVAL_SECONDS, FIRST_SWEEP_DELAY_SECONDS)
    fast = Schedule("sweeper", production.handler, interval=0.05)  # the same function, sooner
    fast.start()
    try:
        deadline = time.monotonic() + 20
        while video_row(services, spent).status != "failed" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        fast.stop()
    assert video_row(services, spent).status == "failed"
    assert fast.runs >= 1
