"""The sweeper's requeue, failure, orphan and mail passes against the twins."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from videoflix_tools.testing.factories import video_row
from videoflix.db.models import utcnow
from videoflix.pipeline.sweeper import Sweeper
from videoflix.domain.cache_keys import CATALOG_LIST
from videoflix_tools.testing.memory import FailingPort, TranscodeRequest


def test_a_lost_lease_is_requeued_a_spent_one_failed_a_running_one_left(services, add_video):
    now = utcnow()
    spent = add_video("processing", attempts=3, lease_expires_at=now - timedelta(minutes=1))
    lost = add_video("processing", attempts=1, lease_expires_at=now - timedelta(minutes=1))
    without_lease = add_video("processing", attempts=2, lease_expires_at=None)
    running = add_video("processing", attempts=1, lease_expires_at=now + timedelta(minutes=10))
    waiting = add_video("uploaded", attempts=1)
    services.cache.set(CATALOG_LIST, "[]")
    report = Sweeper(services).run(now=now)
    assert (report.failed, report.requeued) == ([spent], [lost, without_lease])
    assert services.transcode_queue.requests == [TranscodeRequest(f"uploads/{lost}/f.mp4", 10, "Requeue"),
                                                 TranscodeRequest(f"uploads/{without_lease}/f.mp4", 10, "Requeue")]
    failed = video_row(services, spent)
    assert failed.status == "failed" and "attempt 3 of 3" in failed.error
    requeued = video_row(services, lost)
    assert (requeued.status, requeued.progress, requeued.lease_expires_at) == ("uploaded", 0, None)
    assert "stopped without finishing" in requeued.error
    assert [video_row(services, v).status for v in (running, waiting)] == ["processing", "uploaded"]
    assert services.cache.get(CATALOG_LIST) is None
    assert Sweeper(services).run(now=now).requeued == []  # nothing twice


def test_a_requeue_the_queue_refuses_changes_nothing(services, add_video):
    lost = add_video("processing", attempts=1, lease_expires_at=utcnow() - timedelta(minutes=1))
    queue = services.transcode_queue
    services.transcode_queue = FailingPort(queue, "request", ConnectionError("SQS unreachable"))
    with pytest.raises(ConnectionError):
        Sweeper(services).run()
    assert video_row(services, lost).status == "processing"  # rolled back: the next sweep tries again
    services.transcode_queue = queue
    assert Sweeper(services).run().requeued == [lost]
    assert [r.source_key for r in queue.requests] == [f"uploads/{lost}/f.mp4"]


def test_orphaned_output_older_than_the_grace_period_is_deleted(services, add_video):
    storage, bucket = services.storage, services.settings.media_bucket
    keep = [add_video(status) for status in ("ready", "processing")]
    drop = [add_video(status) for status in ("failed", "uploaded", "awaiting_upload")] + [4242]
    for video_id in keep + drop:
        storage.put(bucket, f"videos/{video_id}/480p/segment_00000.ts")
        storage.put(bucket, f"videos/{video_id}/master.m3u8")
    storage.put(bucket, "videos/notes/readme.txt")
    storage.put(bucket, "videos/0042/master.m3u8")
    assert Sweeper(services).run().orphans_deleted == {}  # younger than the grace period
    report = Sweeper(services).run(now=utcnow() + timedelta(minutes=10))
    assert report.orphans_deleted == {f"videos/{video_id}/": 2 for video_id in drop}
    assert storage.keys(bucket) == sorted(["videos/notes/readme.txt", "videos/0042/master.m3u8",
                                           *(f"videos/{v}/{name}" for v in keep
                                             for name in ("480p/segment_00000.ts", "master.m3u8"))])


def test_unsent_mail_is_relayed_once_it_is_a_minute_old(services):
    with services.db.session() as session:
        key = services.outbox.enqueue(session, "activation", {"to": "a@example.com", "link": "http://x/a"})
        # Not committed yet: nothing leaves before the commit.
        assert services.outbox.queue.bodies == []
    [body] = services.outbox.queue.bodies  # the relay after the commit
    assert json.loads(body)["key"] == key
    services.outbox.queue.bodies.clear()
    assert Sweeper(services).run(now=utcnow() + timedelta(minutes=2)).mail_resent == 0  # sent already
