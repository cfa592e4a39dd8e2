"""After a restart the embedded queues are empty: videos caught mid-way are put back in line."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import unquote_plus

import pytest

from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import Video, VideoStatus, utcnow
from videoflix.pipeline.sweeper import Sweeper
from videoflix_tools.dev.stack import requeue_interrupted

pytestmark = pytest.mark.integration


def _video(session, status: str, name: str, **values) -> int:
    video = Video(title=name, description="", category="Tests", filename=f"{name}.mp4", content_type="video/mp4",
                  size=1234, source_key=f"uploads/{name}/{name}.mp4", status=status, progress=0, renditions=[],
                  attempts=values.pop("attempts", 0), **values)
    session.add(video)
    session.flush()
    return video.id


def _transcode_messages(settings) -> list[dict]:
    sqs = aws_client("sqs", settings)
    answer = sqs.receive_message(QueueUrl=queue_url(settings, settings.transcode_queue_name),
                                 MaxNumberOfMessages=10, WaitTimeSeconds=0)
    bodies = [json.loads(m["Body"]) for m in answer.get("Messages", [])]
    return [body for body in bodies if "Records" in body]  # not S3's s3:TestEvent


def test_uploaded_videos_are_requeued_and_running_leases_end(services):
    settings = services.settings
    with services.db.session() as session:
        uploaded = _video(session, VideoStatus.UPLOADED, "queued")
        processing = _video(session, VideoStatus.PROCESSING, "running", attempts=1,
                            lease_expires_at=utcnow() + timedelta(minutes=14))
        ready = _video(session, VideoStatus.READY, "done", attempts=1)
        waiting = _video(session, VideoStatus.AWAITING_UPLOAD, "waiting")

    assert requeue_interrupted(services) == {"requeued": [uploaded], "lease_ended": [processing]}

    messages = _transcode_messages(settings)
    keys = [unquote_plus(m["Records"][0]["s3"]["object"]["key"]) for m in messages]
    assert keys == ["uploads/queued/queued.mp4"]
    assert messages[0]["Records"][0]["s3"]["bucket"]["name"] == settings.upload_bucket
    with services.db.session() as session:
        assert session.get(Video, processing).lease_expires_at is None
        assert session.get(Video, ready).status == VideoStatus.READY
        assert session.get(Video, waiting).status == VideoStatus.AWAITING_UPLOAD

    # The first sweep after start (seconds later) requeues the one whose worker died.
    report = Sweeper(services).run()
    assert report.requeued == [processing]
    keys = [unquote_plus(m["Records"][0]["s3"]["object"]["key"]) for m in _transcode_messages(settings)]
    assert keys == ["uploads/running/running.mp4"]


def test_cached_presigned_urls_of_the_last_run_are_forgotten(services):
    # The embedded endpoint gets a new port on each start; a Redis of its own (REDIS_URL) would
    # otherwise serve playlists and thumbnails signed for the old one for up to 15 minutes.
    from videoflix.domain.cache_keys import CATALOG_LIST, READY_VIDEOS, playlist_key
    from videoflix_tools.dev.stack import forget_presigned_urls

    redis = services.redis
    for key in (CATALOG_LIST, READY_VIDEOS, playlist_key(1, "480p", "v1"), playlist_key(22, "master", "v3")):
        redis.set(key, "http://127.0.0.1:40001/videoflix-media/...")
    redis.set("refresh:family:abc", "revoked")

    assert forget_presigned_urls(redis) == 4
    assert redis.keys("catalog:*") == [] and redis.get("refresh:family:abc") is not None
