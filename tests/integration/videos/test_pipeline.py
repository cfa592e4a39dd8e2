"""Upload through presigned multipart URLs -> S3 event -> SQS -> transcoder -> catalog and streaming."""
from __future__ import annotations

import io

import av
import pytest
import requests

from videoflix.aws import aws_client
from videoflix.db.models import Video
from videoflix.videos.playlist import segment_names

pytestmark = pytest.mark.integration


def media_keys(services, video_id):
    s3 = aws_client("s3", services.settings)
    answer = s3.list_objects_v2(Bucket=services.settings.media_bucket, Prefix=f"videos/{video_id}/")
    return sorted(item["Key"] for item in answer.get("Contents", []))


def video_row(services, video_id) -> Video:
    with services.db.session() as session:
        video = session.get(Video, video_id)
        session.expunge(video)
        return video


@pytest.fixture
def ready_video(clip_factory, upload_video, transcoder, services):
    body = upload_video(clip_factory(seconds=3, width=1280, height=720), title="Ocean")
    transcoder()
    return body["video"]["id"]


def test_upload_transcode_and_stream(ready_video, services, staff_client, logged_in_client):
    video = video_row(services, ready_video)
    assert video.status == "ready", video.error
    assert video.progress == 100
    assert video.renditions == ["480p", "720p"]  # never upscaled to 1080p
    assert (video.width, video.height) == (1280, 720)
    assert 2.5 < video.duration < 3.6
    keys = media_keys(services, ready_video)
    assert f"videos/{ready_video}/master.m3u8" in keys
    assert f"videos/{ready_video}/thumbnail.jpg" in keys
    assert not any("/1080p/" in k for k in keys)

    viewer = logged_in_client()
    listing = viewer.get("/api/video/")
    assert listing.status == 200
    [entry] = listing.json
    assert set(entry) == {"id", "created_at", "title", "description", "thumbnail_url", "category"}
    assert entry["category"] == "Drama" and entry["thumbnail_url"].startswith("http")
    thumbnail = requests.get(entry["thumbnail_url"], timeout=10)
    assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"

    master = viewer.get(f"/api/video/{ready_video}/master.m3u8")
    assert master.status == 200
    assert master.header("Content-Type") == "application/vnd.apple.mpegurl"
    variant_urls = [l for l in master.text.splitlines() if l and not l.startswith("#")]
    assert variant_urls == [f"http://testserver/api/video/{ready_video}/480p/index.m3u8",
                            f"http://testserver/api/video/{ready_video}/720p/index.m3u8"]

    for rung, height in (("480p", 480), ("720p", 720)):
        playlist = viewer.get(f"/api/video/{ready_video}/{rung}/index.m3u8")
        assert playlist.status == 200
        assert playlist.header("Cache-Control") == "no-store"
        urls = segment_names(playlist.text)
        assert urls and all(u.startswith(services.settings.aws_endpoint_url) and "X-Amz-Signature" in u
                            for u in urls)
        segment = requests.get(urls[0], timeout=10)
        assert segment.status_code == 200
        with av.open(io.BytesIO(segment.content), format="mpegts") as container:
            frame = next(container.decode(video=0))
            assert frame.height == height


def test_segment_route_redirects_to_presigned_url(ready_video, logged_in_client):
    viewer = logged_in_client()
    playlist = viewer.get(f"/api/video/{ready_video}/720p/index.m3u8").text
    first_name = segment_names(playlist)[0].split("?")[0].rsplit("/", 1)[-1]
    for path in (f"/api/video/{ready_video}/720p/{first_name}", f"/api/video/{ready_video}/720p/{first_name}/"):
        answer = viewer.get(path)
        assert answer.status == 302
        assert requests.get(answer.header("Location"), timeout=10).status_code == 200


@pytest.mark.parametrize("path", [
    "/api/video/{id}/1080p/index.m3u8",      # rung not produced
    "/api/video/{id}/4k/index.m3u8",         # not in the ladder
    "/api/video/999/480p/index.m3u8",        # unknown id
    "/api/video/-1/480p/index.m3u8",
    "/api/video/abc/master.m3u8",
    "/api/video/{id}/480p/..%2f..%2fmaster.m3u8",
    "/api/video/{id}/480p/segment_99999.ts",  # not in the playlist
    "/api/video/{id}/480p/..",
    "/api/video/{id}/480p/%2Fetc%2Fpasswd",
    "/api/video/{id}/480p/seg%00.ts",
])
def test_catalog_not_found_cases_answer_json_404(ready_video, logged_in_client, path):
    answer = logged_in_client().get(path.format(id=ready_video))
    assert answer.status == 404, (path, answer.text)
    assert "detail" in answer.json


def test_catalog_requires_login(ready_video, client):
    for path in ("/api/video/", f"/api/video/{ready_video}/master.m3u8", f"/api/video/{ready_video}/480p/index.m3u8"):
        answer = client.get(path)
        assert answer.status == 401 and "detail" in answer.json


def test_duplicate_event_transcodes_once(clip_factory, upload_video, services, transcode_queue_messages):
    from videoflix.videos.transcode import TranscodeJob

    body = upload_video(clip_factory(seconds=2, width=640, height=360))
    [message] = [m for m in transcode_queue_messages() if "Records" in m]
    job = TranscodeJob(services)
    record = {"messageId": "1", "body": __import__("json").dumps(message)}
    job.handle_record(record)
    job.handle_record(record)
    video = video_row(services, body["video"]["id"])
    assert video.status == "ready" and video.attempts == 1


def test_text_file_renamed_mp4_fails_without_media(tmp_path, upload_video, transcoder, services, staff_client):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video at all\n" * 50)
    body = upload_video(fake)
    transcoder()
    video = video_row(services, body["video"]["id"])
    assert video.status == "failed"
    assert video.error and "video" in video.error.lower()
    assert media_keys(services, video.id) == []
    admin_view = staff_client.get(f"/api/admin/videos/{video.id}/").json
    assert admin_view["status"] == "failed" and admin_view["error"] == video.error


def test_crash_while_uploading_output_leaves_no_ready_and_no_objects(clip_factory, upload_video, services,
                                                                   transcode_queue_messages):
    import json

    from videoflix.videos.storage import S3Storage
    from videoflix.videos.transcode import TranscodeJob

    class FailingStorage(S3Storage):
        uploads = 0

        def upload_media_file(self, path, key):
            FailingStorage.uploads += 1
            if FailingStorage.uploads == 4:
                raise ConnectionError("S3 went away mid-upload")
            super().upload_media_file(path, key)

    body = upload_video(clip_factory(seconds=2, width=640, height=360))
    [message] = [m for m in transcode_queue_messages() if "Records" in m]
    with pytest.raises(ConnectionError):
        TranscodeJob(services, FailingStorage(services.settings)).handle_record(
            {"messageId": "1", "body": json.dumps(message)})
    video = video_row(services, body["video"]["id"])
    assert video.status == "uploaded" and "S3 went away" in video.error  # released for the retry
    assert media_keys(services, video.id) == []
    # The retry (the next delivery) then succeeds.
    TranscodeJob(services).handle_record({"messageId": "1", "body": json.dumps(message)})
    assert video_row(services, video.id).status == "ready"


def test_unknown_key_and_test_event_are_dropped(services):
    import json

    from videoflix.videos.transcode import TranscodeJob

    job = TranscodeJob(services)
    job.handle_record({"messageId": "1", "body": json.dumps({"Event": "s3:TestEvent"})})
    unknown = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": services.settings.upload_bucket},
                                                                    "object": {"key": "uploads/77/nothing.mp4"}}}]}
    job.handle_record({"messageId": "2", "body": json.dumps(unknown)})  # logged and dropped, no error
