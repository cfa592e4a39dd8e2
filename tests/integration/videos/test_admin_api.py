"""The staff-only admin API: validation, resumable uploads, retry and delete."""
from __future__ import annotations

import pytest

from videoflix.adapters.aws import aws_client
from videoflix_tools.testing.multipart import put_parts

pytestmark = pytest.mark.integration

NEW = {"title": "Film", "description": "d", "category": "Drama", "filename": "film.mp4", "size": 1000,
       "content_type": "video/mp4"}


def test_requires_staff(client, logged_in_client):
    assert client.get("/api/admin/videos/").status == 401
    viewer = logged_in_client()
    for method, path in (("GET", "/api/admin/videos/"), ("POST", "/api/admin/videos/"),
                         ("GET", "/api/admin/videos/1/"), ("DELETE", "/api/admin/videos/1/"),
                         ("POST", "/api/admin/videos/1/retry/")):
        answer = viewer.request(method, path, NEW if method == "POST" else None)
        assert answer.status == 403, (method, path)
        assert answer.json == {"detail": "Staff access required."}


@pytest.mark.parametrize("changes, field", [
    ({"content_type": "text/plain"}, "content_type"), ({"size": 0}, "size"),
    ({"size": 11 * 1024**3}, "size"), ({"title": ""}, "title"), ({"category": "  "}, "category"),
])
def test_create_rejects_bad_input_without_a_row(staff_client, changes, field):
    answer = staff_client.post("/api/admin/videos/", {**NEW, **changes})
    assert answer.status == 400 and field in answer.json
    assert staff_client.get("/api/admin/videos/").json == []


def test_multipart_plan_and_resume(staff_client, services):
    size = 12 * 1024 * 1024  # three parts of 5 MiB
    services.settings = services.settings.with_overrides(upload_part_size=5 * 1024 * 1024)
    created = staff_client.post("/api/admin/videos/", {**NEW, "size": size})
    assert created.status == 201, created.text
    upload = created.json["upload"]
    assert upload["part_count"] == 3 and [p["part_number"] for p in upload["parts"]] == [1, 2, 3]
    data = bytes(range(256)) * (size // 256)
    first = put_parts(upload, data, only={1})
    video_id = created.json["video"]["id"]
    resumed = staff_client.get(f"/api/admin/videos/{video_id}/upload/").json
    assert [p["part_number"] for p in resumed["parts"]] == [2, 3]
    assert [(p["part_number"], p["etag"]) for p in resumed["parts_done"]] == [(1, first[0]["etag"])]
    rest = put_parts(resumed, data)
    wrong = staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/",
                              {"parts": [{"part_number": 1, "etag": '"deadbeef"'}, *rest]})
    assert wrong.status == 400 and "parts" in wrong.json
    done = staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": first + rest})
    assert done.status == 200 and done.json["video"]["status"] in {"uploaded", "processing"}
    assert staff_client.get(f"/api/admin/videos/{video_id}/upload/").status == 409


def test_retry_only_failed_and_delete_removes_everything(tmp_path, upload_video, transcoder, staff_client,
                                                          services):
    # Starts like an MP4 but is none: it fails, and a retry (the file might be read this time) is queued.
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 2000)
    video_id = upload_video(damaged)["video"]["id"]
    transcoder()
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "failed"
    retried = staff_client.post(f"/api/admin/videos/{video_id}/retry/")
    assert retried.status == 202 and retried.json["video"]["status"] == "uploaded"
    assert staff_client.post(f"/api/admin/videos/{video_id}/retry/").status == 409
    transcoder()
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "failed"

    assert staff_client.delete(f"/api/admin/videos/{video_id}/").status == 200
    assert staff_client.get(f"/api/admin/videos/{video_id}/").status == 404
    s3 = aws_client("s3", services.settings)
    for bucket in (services.settings.upload_bucket, services.settings.media_bucket):
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_a_file_that_is_no_video_is_not_queued_again_and_the_answer_says_why(tmp_path, upload_video, transcoder,
                                                                              staff_client, services):
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n" * 10)
    video_id = upload_video(fake)["video"]["id"]
    transcoder()
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "failed"
    retried = staff_client.post(f"/api/admin/videos/{video_id}/retry/")
    assert retried.status == 409, retried.text
    detail = retried.json["detail"]
    assert "not a video" in detail and "an HLS playlist" in detail and f"videoflix delete {video_id}" in detail
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "failed"
