"""Posters chosen by staff: a frame taken by the transcoder (real FFmpeg), or an uploaded image checked
and re-encoded by the admin function."""
from __future__ import annotations

import io
import json
import struct
import time

import pytest
import requests
from PIL import Image

from videoflix.adapters.aws import aws_client
from videoflix.db.models import Video
from videoflix.pipeline.poster import build_poster_command
from videoflix.domain.transcode_messages import parse_poster_job

pytestmark = pytest.mark.integration


def _thumbnail(services, video_id: int) -> bytes:
    """The poster the row names (each new one under a name of its own: videoflix.domain.media_layout)."""
    with services.db.session() as session:
        key = session.get(Video, video_id).thumbnail_key
    s3 = aws_client("s3", services.settings)
    return s3.get_object(Bucket=services.settings.media_bucket, Key=key)["Body"].read()


def _image(fmt: str, size=(64, 48), exif: bool = False, mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    extra = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCam"  # Make
        tags[0x0131] = "GPS-leaking editor"  # Software
        extra["exif"] = tags.tobytes()
    image.save(out, fmt, **extra)
    return out.getvalue()


@pytest.fixture
def film(ready_row):
    """A ready video row, as the poster image routes need only the row."""
    return ready_row(title="Poster film", size=1, duration=10.0)


def _upload_poster(staff_client, video_id: int, data: bytes, content_type: str, declared: int | None = None):
    plan = staff_client.post(f"/api/admin/videos/{video_id}/poster/",
                             {"content_type": content_type, "size": declared or len(data)})
    assert plan.status == 200, plan.text
    upload = plan.json["upload"]
    assert upload["method"] == "PUT" and upload["headers"] == {"Content-Type": content_type}
    put = requests.put(upload["url"], data=data, headers=upload["headers"], timeout=30)
    assert put.status_code == 200, put.text
    return staff_client.post(f"/api/admin/videos/{video_id}/poster/complete/")


def test_an_uploaded_png_becomes_a_jpeg_without_metadata_and_the_list_follows(services, staff_client, film,
                                                                             logged_in_client):
    viewer = logged_in_client()
    assert viewer.get("/api/video/").json[0]["thumbnail_url"] is None  # cached now
    png = _image("PNG", size=(320, 180), exif=True, mode="RGBA")
    assert b"SecretCam" in png
    answer = _upload_poster(staff_client, film, png, "image/png")
    assert answer.status == 200, answer.text
    assert answer.json["video"]["thumbnail_url"]
    jpeg = _thumbnail(services, film)
    image = Image.open(io.BytesIO(jpeg))
    assert image.format == "JPEG" and image.size == (320, 180) and image.mode == "RGB"
    assert b"SecretCam" not in jpeg and b"Exif" not in jpeg and not image.getexif()
    assert viewer.get("/api/video/").json[0]["thumbnail_url"]  # the cached list was dropped
    s3 = aws_client("s3", services.settings)
    assert s3.list_objects_v2(Bucket=services.settings.upload_bucket, Prefix=f"uploads/{film}/poster/")["KeyCount"] == 0
    [row] = staff_client.get("/api/admin/history/").json["items"]
    assert (row["action"], row["changes"]) == ("video.poster", {"poster": [None, "uploaded image"]})


@pytest.mark.parametrize("data, content_type, problem", [
    (b"not an image at all", "image/png", "not a JPEG or PNG"),
    (b"GIF89a" + b"\x00" * 100, "image/png", "not a JPEG or PNG"),
    (_image("PNG", size=(4097, 10)), "image/png", "4097x10"),
    (_image("PNG", size=(300, 300))[:300], "image/png", "could not be decoded"),
])
def test_a_bad_image_is_refused_with_the_problem_named(services, staff_client, film, data, content_type, problem):
    answer = _upload_poster(staff_client, film, data, content_type)
    assert answer.status == 400 and problem in answer.json["image"][0], answer.text
    assert staff_client.get(f"/api/admin/videos/{film}/").json["thumbnail_url"] is None
    assert staff_client.get("/api/admin/history/").json["items"] == []


@pytest.mark.parametrize("body_size", [6 * 1024 * 1024, 2_001, 1_999])
def test_storage_refuses_a_body_of_another_size_than_declared(services, staff_client, film, body_size):
    # Issue 21: a 6 MB body PUT to a URL declared for 2,000 bytes was stored. The URL's signature
    # covers Content-Length, so the storage itself (here the embedded S3, as S3 and LocalStack) refuses it.
    plan = staff_client.post(f"/api/admin/videos/{film}/poster/", {"content_type": "image/jpeg", "size": 2_000})
    assert plan.status == 200
    upload = plan.json["upload"]
    put = requests.put(upload["url"], data=b"\xff\xd8\xff" + b"\x00" * (body_size - 3), headers=upload["headers"],
                       timeout=60)
    assert put.status_code == 403 and b"SignatureDoesNotMatch" in put.content, (put.status_code, put.text[:300])
    s3 = aws_client("s3", services.settings)
    assert s3.list_objects_v2(Bucket=services.settings.upload_bucket, Prefix=f"uploads/{film}/")["KeyCount"] == 0
    answer = staff_client.post(f"/api/admin/videos/{film}/poster/complete/")
    assert answer.status == 400 and "No image was uploaded" in answer.json["detail"]
    assert upload["content_length"] == 2_000  # said in the answer too (additive)


def _scans(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each scan of a JPEG: its SOS segment and the entropy-coded data after it."""
    found, i = [], 2
    while data[i + 1] != 0xD9:
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        end = i + 2 + length
        if data[i + 1] == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] != 0 and not 0xD0 <= data[end + 1] <= 0xD7):
                end += 1
            found.append((i, end))
        i = end
    return found


def test_a_progressive_jpeg_with_thousands_of_scans_is_refused_quickly(services, staff_client, film):
    # Issue 21: 45 kB, 1024x1024 px, 3,000 scans: decoding it took seconds of the function's time
    # (scans are decoded one after the other, each over the whole picture); the limit is the scan count.
    out = io.BytesIO()
    Image.new("RGB", (1024, 1024), (120, 30, 200)).save(out, "JPEG", progressive=True, quality=90)
    data = out.getvalue()
    start, end = _scans(data)[-1]
    hostile = data[:end] + data[start:end] * 3_000 + data[end:]
    started = time.monotonic()
    answer = _upload_poster(staff_client, film, hostile, "image/jpeg")
    elapsed = time.monotonic() - started
    assert answer.status == 400 and "scans" in answer.json["image"][0], answer.text
    assert elapsed < 3, elapsed
    # An ordinary progressive JPEG (10 scans) is still taken.
    assert _upload_poster(staff_client, film, data, "image/jpeg").status == 200


@pytest.mark.parametrize("body, field", [
    ({"content_type": "image/gif", "size": 10}, "content_type"), ({"content_type": "image/png", "size": 0}, "size"),
    ({"content_type": "image/png", "size": 5 * 1024 * 1024 + 1}, "size"), ({"content_type": "image/png"}, "size"),
    ({"at_seconds": -1}, "at_seconds"), ({"at_seconds": "1"}, "at_seconds"), ({"at_seconds": True}, "at_seconds"),
    ({"at_seconds": 10.0}, "at_seconds"), ({}, "non_field_errors"),
])
def test_poster_requests_are_validated(staff_client, film, body, field):
    answer = staff_client.post(f"/api/admin/videos/{film}/poster/", body)
    assert answer.status == 400 and field in answer.json, answer.text


def test_completing_without_an_upload_and_unknown_videos(staff_client, film):
    answer = staff_client.post(f"/api/admin/videos/{film}/poster/complete/")
    assert answer.status == 400 and "No image was uploaded" in answer.json["detail"]
    assert staff_client.post("/api/admin/videos/999/poster/", {"at_seconds": 1}).status == 404
    assert staff_client.post("/api/admin/videos/999/poster/complete/").status == 404


def test_a_frame_poster_is_made_by_the_transcoder_with_ffmpeg(services, clip_factory, upload_video, transcoder,
                                                             staff_client, transcode_queue_messages):
    video_id = upload_video(clip_factory(seconds=4, width=640, height=360))["video"]["id"]
    transcoder()
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "ready"
    original = _thumbnail(services, video_id)
    answer = staff_client.post(f"/api/admin/videos/{video_id}/poster/", {"at_seconds": 3.5})
    assert answer.status == 202, answer.text
    assert [m for m in transcode_queue_messages() if m.get("kind") == "poster"] == \
        [{"kind": "poster", "video_id": video_id, "at_seconds": 3.5}]
    transcoder()
    made = _thumbnail(services, video_id)
    image = Image.open(io.BytesIO(made))
    assert image.format == "JPEG" and image.size == (640, 360)
    assert made != original  # FFmpeg's test pattern moves: another second, another picture
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "ready"
    assert [row["action"] for row in staff_client.get("/api/admin/history/").json["items"]] == \
        ["video.poster", "video.upload_complete", "video.upload"]


def test_a_frame_poster_needs_a_ready_film(staff_client):
    created = staff_client.post("/api/admin/videos/", {"title": "t", "category": "c", "filename": "f.mp4",
                                                       "size": 10, "content_type": "video/mp4"})
    answer = staff_client.post(f"/api/admin/videos/{created.json['video']['id']}/poster/", {"at_seconds": 1})
    assert answer.status == 409 and "ready" in answer.json["detail"]


def test_poster_jobs_are_told_apart_from_upload_events():
    assert parse_poster_job(json.dumps({"kind": "poster", "video_id": 3, "at_seconds": 1.5})).at_seconds == 1.5
    assert parse_poster_job(json.dumps({"Records": []})) is None and parse_poster_job("not json") is None
    with pytest.raises(ValueError):
        parse_poster_job(json.dumps({"kind": "poster", "video_id": "3", "at_seconds": 1}))


def test_the_poster_command_is_the_thumbnail_command_at_the_chosen_second():
    from videoflix.pipeline.ladder import build_thumbnail_command
    from videoflix.pipeline.probe import MediaProbe

    probe = MediaProbe(format_name="mp4", duration=100.0, width=1920, height=1080, video_stream_index=0)
    thumbnail = build_thumbnail_command("ffmpeg", "/tmp/s.mp4", probe, "/tmp/t.jpg")
    poster = build_poster_command("ffmpeg", "/tmp/s.mp4", probe, 12.5, "/tmp/t.jpg")
    at = thumbnail.index("-ss") + 1
    assert thumbnail[at] == "10.000" and poster == thumbnail[:at] + ["12.500"] + thumbnail[at + 1:]
