"""Upload through presigned multipart URLs -> S3 event -> SQS -> transcoder -> catalog and streaming."""
from __future__ import annotations

import io
import json

import av
import pytest
import requests

from tests.integration.videos.conftest import completed_upload_message, remux
from tests.support.videos import video_row
from videoflix.adapters.aws import aws_client
from videoflix.domain.hls import segment_names

pytestmark = pytest.mark.integration


def media_keys(services, video_id):
    s3 = aws_client("s3", services.settings)
    answer = s3.list_objects_v2(Bucket=services.settings.media_bucket, Prefix=f"videos/{video_id}/")
    return sorted(item["Key"] for item in answer.get("Contents", []))




EXPECTED_HEADERS = {".m3u8": ("application/vnd.apple.mpegurl", "no-cache"),
                    ".ts": ("video/MP2T", "private, max-age=31536000, immutable"),
                    ".jpg": ("image/jpeg", "private, max-age=86400"), ".json": ("application/json", "no-cache")}


def assert_media_headers(services, keys):
    s3 = aws_client("s3", services.settings)
    for key in keys:
        head = s3.head_object(Bucket=services.settings.media_bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == EXPECTED_HEADERS["." + key.rsplit(".", 1)[-1]], key


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
    assert_media_headers(services, keys)

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


NOT_FOUND_PATHS = (
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
)


def test_catalog_not_found_cases_answer_json_404(ready_video, logged_in_client):
    viewer = logged_in_client()  # one transcode for all cases: the clip is the slow part
    for path in NOT_FOUND_PATHS:
        answer = viewer.get(path.format(id=ready_video))
        assert answer.status == 404, (path, answer.text)
        assert "detail" in answer.json, path


def test_catalog_requires_login(ready_video, client):
    for path in ("/api/video/", f"/api/video/{ready_video}/master.m3u8", f"/api/video/{ready_video}/480p/index.m3u8"):
        answer = client.get(path)
        assert answer.status == 401 and "detail" in answer.json


def test_duplicate_event_transcodes_once(clip_factory, upload_video, services, transcode_queue_messages,
                                         ffmpeg_runs):
    from videoflix.pipeline.transcode import TranscodeJob

    body = upload_video(clip_factory(seconds=2, width=640, height=360))
    message = completed_upload_message(transcode_queue_messages())
    job = TranscodeJob(services)
    record = {"messageId": "1", "body": json.dumps(message)}
    job.handle_record(record)
    job.handle_record(record)
    video = video_row(services, body["video"]["id"])
    assert video.status == "ready" and video.attempts == 1
    assert sum("-master_pl_name" in args for args in ffmpeg_runs) == 1


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
    from videoflix.adapters.s3_storage import S3Storage
    from videoflix.pipeline.transcode import TranscodeJob

    class FailingStorage(S3Storage):
        uploads = 0

        def upload_media_file(self, path, key):
            FailingStorage.uploads += 1
            if FailingStorage.uploads == 4:
                raise ConnectionError("S3 went away mid-upload")
            super().upload_media_file(path, key)

    body = upload_video(clip_factory(seconds=2, width=640, height=360))
    message = completed_upload_message(transcode_queue_messages())
    with pytest.raises(ConnectionError):
        TranscodeJob(services, FailingStorage(services.settings)).handle_record(
            {"messageId": "1", "body": json.dumps(message)})
    video = video_row(services, body["video"]["id"])
    assert video.status == "uploaded" and "S3 went away" in video.error  # released for the retry
    assert media_keys(services, video.id) == []
    # The retry (the next delivery) then succeeds.
    TranscodeJob(services).handle_record({"messageId": "1", "body": json.dumps(message)})
    assert video_row(services, video.id).status == "ready"


def test_unknown_key_and_test_event_are_dropped(services, caplog):
    from sqlalchemy import select

    from videoflix.db.models import Video
    from videoflix.pipeline.transcode import TranscodeJob

    def videos():
        with services.db.session() as session:
            return session.execute(select(Video.id, Video.status, Video.attempts).order_by(Video.id)).all()

    before = videos()
    unknown = {"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": services.settings.upload_bucket},
                                                                    "object": {"key": "uploads/77/nothing.mp4"}}}]}
    answer = TranscodeJob(services).handle_batch({"Records": [
        {"messageId": "1", "body": json.dumps({"Event": "s3:TestEvent"})},
        {"messageId": "2", "body": json.dumps(unknown)}]})
    assert answer == {"batchItemFailures": []}  # both acknowledged: SQS does not bring them back
    assert videos() == before  # nothing claimed, created or changed
    assert media_keys(services, 77) == []
    assert "'uploads/77/nothing.mp4'" in caplog.text  # the unknown key is logged


def test_phone_video_without_audio_is_turned_upright_and_never_enlarged(clip_factory, tmp_path, upload_video,
                                                                       transcoder, services, logged_in_client):
    phone = remux(clip_factory(seconds=2, width=640, height=360, audio=False), tmp_path / "phone.mp4",
                  "-display_rotation", "90")
    video_id = upload_video(phone, title="Vertical")["video"]["id"]
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    assert video.renditions == ["480p"] and (video.width, video.height) == (360, 640)
    viewer = logged_in_client()
    master = viewer.get(f"/api/video/{video_id}/master.m3u8").text
    assert "RESOLUTION=360x640" in master and "mp4a" not in master
    [url, *_] = segment_names(viewer.get(f"/api/video/{video_id}/480p/index.m3u8").text)
    with av.open(io.BytesIO(requests.get(url, timeout=10).content), format="mpegts") as container:
        assert not container.streams.audio
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (360, 640)


def test_hls_playlist_disguised_as_mp4_fails_before_ffmpeg_or_pyav_open_it(tmp_path, upload_video, transcoder,
                                                                           services, transcode_queue_messages,
                                                                           ffmpeg_runs, monkeypatch):
    opened = []
    monkeypatch.setattr(av, "open", lambda *args, **kwargs: opened.append(args) or pytest.fail("av.open called"))
    fake = tmp_path / "film.mp4"
    fake.write_bytes(b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")
    video_id = upload_video(fake)["video"]["id"]
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "failed" and "HLS playlist" in video.error and video.attempts == 1
    assert ffmpeg_runs == [] and opened == []
    assert media_keys(services, video_id) == []
    assert transcode_queue_messages() == []  # rejected for good: no redelivery


def test_over_the_time_budget_the_video_fails_with_the_reason(clip_factory, upload_video, transcoder, services):
    # Killing FFmpeg itself at the budget is tested in tests/unit/media/test_run_ffmpeg.py.
    services.settings = services.settings.with_overrides(transcode_time_budget=0.01)
    video_id = upload_video(clip_factory(seconds=2, width=640, height=360))["video"]["id"]
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "failed" and "TRANSCODE_TIME_BUDGET" in video.error
    assert media_keys(services, video_id) == []


def test_progress_rises_until_ready(clip_factory, upload_video, services, transcode_queue_messages):
    from videoflix.pipeline.transcode import TranscodeJob

    class WatchedJob(TranscodeJob):
        def report_progress(self, video_id, percent):
            seen.append((percent, video_row(services, video_id).progress))
            super().report_progress(video_id, percent)

    seen: list[tuple[int, int]] = []
    video_id = upload_video(clip_factory(seconds=2, width=640, height=360))["video"]["id"]
    WatchedJob(services).handle_record({"messageId": "1",
                                        "body": json.dumps(completed_upload_message(transcode_queue_messages()))})
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 99 and 90 in percents
    assert all(stored < 100 for _, stored in seen)  # 100 means ready, and only then
    assert video_row(services, video_id).progress == 100


def test_without_a_picture_at_the_poster_time_the_film_is_ready_without_thumbnail(tmp_path, upload_video,
                                                                                  transcoder, services):
    from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg

    # 1 s of picture, 20 s of sound: at 10 % (2 s) there is no frame left for a poster.
    clip = tmp_path / "short_picture.mp4"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=1",
                "-f", "lavfi", "-i", "sine=duration=20",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-y", str(clip)],
               duration=20, time_budget=60, on_progress=None)
    video_id = upload_video(clip)["video"]["id"]
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    assert video.thumbnail_key is None and f"videos/{video_id}/thumbnail.jpg" not in media_keys(services, video_id)
