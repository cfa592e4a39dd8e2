"""The admin's upload, retry and delete orchestration against the storage, queue and cache twins."""
from __future__ import annotations

import pytest

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from videoflix_tools.testing.factories import video_row
from videoflix.db.models import Video, utcnow
from videoflix.pipeline.sweeper import Sweeper
from videoflix.errors import Conflict, FieldErrors
from videoflix.domain.transcode_messages import UploadedObject, parse_upload_notification
from videoflix.staff.videos import VideoAdmin
from videoflix.domain.cache_keys import CATALOG_LIST
from videoflix_tools.testing.memory import URL_BASE, FailingPort, TranscodeRequest

NEW = {"title": "Film", "category": "Drama", "filename": "film.mp4", "content_type": "video/mp4"}


def test_an_upload_is_created_resumed_and_completed_through_the_storage_port(services):
    admin, storage = VideoAdmin(services), services.storage
    data = b"f" * 1000
    created = admin.create({**NEW, "size": len(data)})
    video_id, plan = created["video"]["id"], created["upload"]
    assert created["video"]["status"] == "awaiting_upload" and plan["key"] == f"uploads/{video_id}/film.mp4"
    [part] = plan["parts"]
    assert part["url"].startswith(f"{URL_BASE}{services.settings.upload_bucket}/{plan['key']}?uploadId=")
    etag = storage.put_part(plan["key"], plan["upload_id"], 1, data)
    resumed = admin.upload_status(video_id)
    assert resumed["parts"] == [] and resumed["parts_done"] == [{"part_number": 1, "etag": etag, "size": 1000}]
    done = admin.complete(video_id, {"parts": [{"part_number": 1, "etag": etag}]})
    assert done["video"]["status"] == "uploaded"
    assert storage.size_of(services.settings.upload_bucket, plan["key"]) == 1000 and storage.uploads == {}


def test_a_completed_upload_of_another_size_fails_the_video_and_deletes_the_file(services):
    admin, storage = VideoAdmin(services), services.storage
    created = admin.create({**NEW, "size": 1000})
    video_id, plan = created["video"]["id"], created["upload"]
    etag = storage.put_part(plan["key"], plan["upload_id"], 1, b"f" * 999)
    with pytest.raises(FieldErrors) as caught:
        admin.complete(video_id, {"parts": [{"part_number": 1, "etag": etag}]})
    assert "999 bytes" in caught.value.fields["size"][0]
    video = video_row(services, video_id)
    assert video.status == "failed" and "1000 bytes were declared" in video.error
    assert storage.keys(services.settings.upload_bucket) == [] and storage.uploads == {}


def test_retry_requests_one_transcode_shaped_like_s3s_event_and_forgets_the_catalog(services, add_video):
    video_id = add_video("failed", attempts=3, error="boom", progress=0)
    services.cache.set(CATALOG_LIST, "[]")
    answer = VideoAdmin(services).retry(video_id)
    assert answer["video"]["status"] == "uploaded"
    video = video_row(services, video_id)
    assert (video.status, video.attempts, video.error) == ("uploaded", 0, None)
    key = f"uploads/{video_id}/f.mp4"
    assert services.transcode_queue.requests == [TranscodeRequest(key, 10, "Retry")]
    [body] = services.transcode_queue.bodies()
    assert parse_upload_notification(body) == [UploadedObject(services.settings.upload_bucket, key, 10)]
    assert services.cache.get(CATALOG_LIST) is None


def test_retry_refuses_a_video_that_did_not_fail_or_whose_file_is_gone(services, add_video):
    ready = add_video("ready")
    with pytest.raises(Conflict, match="Only failed videos"):
        VideoAdmin(services).retry(ready)
    gone = add_video("failed", file=False)
    with pytest.raises(Conflict, match="no longer in the upload bucket"):
        VideoAdmin(services).retry(gone)
    assert video_row(services, gone).status == "failed"
    assert services.transcode_queue.requests == []


def test_a_retry_the_queue_refuses_leaves_the_video_failed(services, add_video):
    video_id = add_video("failed", attempts=3)
    services.transcode_queue = FailingPort(services.transcode_queue, "request", ConnectionError("SQS down"))
    with pytest.raises(ConnectionError):
        VideoAdmin(services).retry(video_id)
    assert (video_row(services, video_id).status, video_row(services, video_id).attempts) == ("failed", 3)
    services.transcode_queue = services.transcode_queue.port
    VideoAdmin(services).retry(video_id)
    assert video_row(services, video_id).status == "uploaded"


def test_delete_removes_the_upload_the_media_and_then_the_row(services, add_video):
    video_id = add_video("ready")
    storage, settings = services.storage, services.settings
    storage.put(settings.media_bucket, f"videos/{video_id}/master.m3u8", b"#EXTM3U")
    storage.put(settings.media_bucket, f"videos/{video_id}/480p/segment_00000.ts")
    storage.put(settings.media_bucket, "videos/999/master.m3u8")  # another film's: kept
    services.cache.set(CATALOG_LIST, "[]")
    VideoAdmin(services).delete(video_id)
    assert video_row(services, video_id) is None
    assert storage.keys(settings.upload_bucket) == [] and storage.keys(settings.media_bucket) == ["videos/999/master.m3u8"]
    assert services.cache.get(CATALOG_LIST) is None


def test_a_delete_storage_refuses_still_deletes_the_row_and_the_sweeper_deletes_the_files(services, add_video):
    """Files go after the commit (videoflix.effects): S3 refusing cannot undo a recorded deletion, and
    the files no row names any more are the sweeper's (they used to be deleted before the row, so a
    failed commit lost the media of a film that stayed)."""
    video_id = add_video("failed")
    real, settings = services.storage, services.settings
    real.put(settings.media_bucket, f"videos/{video_id}/master.m3u8", b"#EXTM3U")
    services.storage = FailingPort(real, "delete_prefix", ConnectionError("S3 down"))
    VideoAdmin(services, actor="admin@example.com").delete(video_id)
    services.storage = real
    assert video_row(services, video_id) is None
    assert real.keys(settings.upload_bucket) and real.keys(settings.media_bucket)  # left behind
    report = Sweeper(services).run(now=utcnow() + timedelta(minutes=10))
    assert real.keys(settings.upload_bucket) == [] and real.keys(settings.media_bucket) == []
    assert set(report.orphans_deleted) == {f"uploads/{video_id}/", f"videos/{video_id}/"}


def test_a_delete_whose_commit_fails_leaves_every_file_in_place(services, add_video):
    video_id = add_video("ready")
    storage, settings = services.storage, services.settings
    storage.put(settings.media_bucket, f"videos/{video_id}/master.m3u8", b"#EXTM3U")
    before = (storage.keys(settings.upload_bucket), storage.keys(settings.media_bucket))

    def refuse_commit(session):
        if any(isinstance(row, Video) for row in session.deleted):  # the transaction that deletes the row
            raise RuntimeError("commit refused")

    event.listen(Session, "before_commit", refuse_commit)
    try:
        with pytest.raises(RuntimeError):
            VideoAdmin(services, actor="admin@example.com").delete(video_id)
    finally:
        event.remove(Session, "before_commit", refuse_commit)
    assert video_row(services, video_id) is not None
    assert (storage.keys(settings.upload_bucket), storage.keys(settings.media_bucket)) == before
