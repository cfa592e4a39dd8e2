"""`videoflix upload`: presigned multipart upload, resume, checks before any API call, --wait."""
from __future__ import annotations

import json

import pytest

from tests.integration.cli.conftest import PART_SIZE, one_line_error
from tests.support.videos import set_video, video_row
from videoflix.adapters.aws import aws_client
from videoflix.db.models import Video
from videoflix_tools.dev.stack import free_port

pytestmark = pytest.mark.integration

UPLOAD = ("--title", "Big Buck Bunny", "--description", "A rabbit.", "--category", "Animation")


def uploaded_object(services, video_id: int) -> bytes:
    s3 = aws_client("s3", services.settings)
    listing = s3.list_objects_v2(Bucket=services.settings.upload_bucket, Prefix=f"uploads/{video_id}/")
    keys = [item["Key"] for item in listing.get("Contents", [])]
    assert len(keys) == 1, keys
    return s3.get_object(Bucket=services.settings.upload_bucket, Key=keys[0])["Body"].read()






def resume_entries(config_dir) -> dict:
    path = config_dir / "uploads.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_upload_sends_every_part_straight_to_s3(logged_in, small_parts, film, videoflix, services, part_puts,
                                                config_dir):
    result = videoflix("upload", str(film), *UPLOAD)
    assert result.code == 0, result.err
    assert "Uploaded film.mp4 as video 1 (status uploaded)." in result.out
    assert "Uploading film.mp4 (11.0 MiB, 3 parts) as video 1." in result.err
    assert "100%  11.0 MiB/11.0 MiB" in result.err.splitlines()[-1]
    assert sorted(part_puts.numbers) == [1, 2, 3]
    assert uploaded_object(services, 1) == film.read_bytes()
    video = video_row(services, 1)
    assert (video.status, video.size, video.title, video.category, video.content_type) == \
        ("uploaded", film.stat().st_size, "Big Buck Bunny", "Animation", "video/mp4")
    assert resume_entries(config_dir) == {}


def test_an_interrupted_upload_resumes_with_the_missing_parts_only(logged_in, small_parts, film, videoflix,
                                                                   services, part_puts, config_dir):
    part_puts.fail({2, 3}, succeeding={1})
    first = videoflix("upload", str(film), *UPLOAD)
    assert first.code == 1
    error = first.err.strip().splitlines()[-1]
    assert error.startswith("videoflix: error: upload of film.mp4 stopped, part ")
    assert "Connection reset by peer" in error and "run the same command again to resume" in error
    assert part_puts.numbers.count(2) == 3  # each failing part was tried three times
    assert video_row(services, 1).status == "awaiting_upload"
    assert [entry["video_id"] for entry in resume_entries(config_dir).values()] == [1]

    part_puts.reset()
    second = videoflix("upload", str(film), *UPLOAD)
    assert second.code == 0, second.err
    assert "Resuming video 1: 2 of 3 parts left." in second.err
    assert sorted(part_puts.numbers) == [2, 3]
    assert "Uploaded film.mp4 as video 1" in second.out
    assert uploaded_object(services, 1) == film.read_bytes()
    with services.db.session() as session:
        assert session.query(Video).count() == 1
    assert resume_entries(config_dir) == {}


def test_an_interrupt_leaves_a_resumable_upload(logged_in, small_parts, film, videoflix, services, part_puts):
    part_puts.fail({2, 3}, succeeding={1}, error=KeyboardInterrupt)
    first = videoflix("upload", str(film), *UPLOAD)
    assert first.code == 130
    assert first.err.strip().splitlines()[-2:] == [
        "Upload of film.mp4 paused; run the same command again to resume.", "Interrupted."]
    part_puts.reset()
    assert videoflix("upload", str(film), *UPLOAD).code == 0
    assert sorted(part_puts.numbers) == [2, 3]
    assert uploaded_object(services, 1) == film.read_bytes()


def test_a_changed_file_is_a_new_upload(logged_in, small_parts, film, videoflix, services, part_puts):
    part_puts.fail({1, 2, 3}, succeeding=set())
    assert videoflix("upload", str(film), *UPLOAD).code == 1
    part_puts.reset()
    film.write_bytes(film.read_bytes()[:6 * 1024 * 1024])
    result = videoflix("upload", str(film), *UPLOAD)
    assert result.code == 0, result.err
    assert "as video 2" in result.out
    assert uploaded_object(services, 2) == film.read_bytes()


def test_a_deleted_video_is_not_resumed(logged_in, small_parts, film, videoflix, part_puts):
    part_puts.fail({2, 3}, succeeding={1})
    assert videoflix("upload", str(film), *UPLOAD).code == 1
    part_puts.reset()
    assert videoflix("delete", "1").code == 0
    result = videoflix("upload", str(film), *UPLOAD)
    assert result.code == 0, result.err
    assert "as video 2" in result.out and sorted(part_puts.numbers) == [1, 2, 3]


@pytest.mark.parametrize("name, content, message", [
    ("missing.mp4", None, "missing.mp4: no such file"),
    ("notes.txt", b"not a film", "notes.txt does not look like a video (text/plain); upload one of "),
    ("clip.avi", b"RIFF", "clip.avi does not look like a video (video/x-msvideo)"),
    ("empty.mp4", b"", "empty.mp4 is empty"),
])
def test_files_that_cannot_be_uploaded_are_refused_before_any_api_call(logged_in, videoflix, config_dir,
                                                                       tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    # A call to the API would fail differently: it points nowhere now.
    credentials = json.loads((config_dir / "credentials.json").read_text())
    (config_dir / "credentials.json").write_text(json.dumps({**credentials,
                                                             "api": f"http://127.0.0.1:{free_port()}"}))
    assert message in one_line_error(videoflix("upload", str(path), *UPLOAD))


def test_the_apis_field_errors_are_shown(logged_in, film, videoflix, services):
    result = videoflix("upload", str(film), "--title", "   ", "--category", "Drama")
    assert result.code == 1
    assert result.err.strip() == "videoflix: error: the API answered 400: title: This field may not be blank."
    with services.db.session() as session:
        assert session.query(Video).count() == 0


def test_wait_follows_the_transcode_until_ready(logged_in, small_parts, film, videoflix, services, monkeypatch):
    script = iter([dict(status="processing", progress=0), dict(status="processing", progress=40),
                   dict(status="processing", progress=80),
                   dict(status="ready", progress=100, duration=754.2, renditions=["480p", "720p"])])
    monkeypatch.setattr("videoflix_tools.cli.watch.pause", lambda seconds: set_video(services, 1, **next(script)))

    result = videoflix("upload", str(film), *UPLOAD, "--wait")
    assert result.code == 0, result.err
    transcode_lines = [line for line in result.err.splitlines() if line.startswith("Transcoding video 1")]
    assert [line.split("]")[1].split() for line in transcode_lines] == [
        ["0%", "uploaded"], ["0%", "processing"], ["40%", "processing"], ["80%", "processing"],
        ["100%", "ready"]]
    assert result.out.strip().splitlines()[-1] == "Video 1 is ready: 480p, 720p, 0:12:34."


def test_wait_ends_with_the_reason_of_a_failure(logged_in, small_parts, film, videoflix, services, monkeypatch):
    monkeypatch.setattr("videoflix_tools.cli.watch.pause", lambda seconds: set_video(
        services, 1, status="failed", error="The file has no video stream."))
    result = videoflix("upload", str(film), *UPLOAD, "--wait")
    assert result.code == 1
    assert result.err.strip().splitlines()[-1] == "videoflix: error: video 1 failed: The file has no video stream."


def test_wait_gives_up_after_the_timeout(logged_in, small_parts, film, videoflix, monkeypatch):
    monkeypatch.setattr("videoflix_tools.cli.watch.pause", lambda seconds: None)
    clock = iter(range(0, 1000, 10))
    monkeypatch.setattr("videoflix_tools.cli.watch.now", lambda: next(clock))
    result = videoflix("upload", str(film), *UPLOAD, "--wait", "--timeout", "25")
    assert result.code == 1
    assert "video 1 is still uploaded after 25 s" in result.err


def test_videos_table_retry_and_delete(logged_in, small_parts, film, videoflix, services):
    assert videoflix("videos").out.startswith("No videos yet.")
    assert videoflix("upload", str(film), *UPLOAD).code == 0
    set_video(services, 1, status="failed", progress=35, error="FFmpeg ran out of time.")
    table = videoflix("videos").out.splitlines()
    assert table[0].split() == ["ID", "TITLE", "STATUS", "PROGRESS", "DURATION", "RENDITIONS"]
    assert table[1].split() == ["1", "Big", "Buck", "Bunny", "failed", "35%", "-", "-"]
    assert table[2] == "video 1 failed: FFmpeg ran out of time."

    retried = videoflix("retry", "1")
    assert retried.code == 0, retried.err
    assert retried.out.strip() == "Video 1 is queued for transcoding again (status uploaded)."
    again = videoflix("retry", "1")
    assert again.err.strip() == ("videoflix: error: the API answered 409: "
                                 "Only failed videos can be retried (status uploaded).")

    set_video(services, 1, status="ready", progress=100, duration=3725.0, renditions=["480p", "720p", "1080p"])
    assert videoflix("videos").out.splitlines()[1].split() == \
        ["1", "Big", "Buck", "Bunny", "ready", "100%", "1:02:05", "480p,", "720p,", "1080p"]

    deleted = videoflix("delete", "1")
    assert deleted.code == 0 and deleted.out.strip() == "Video 1 and all its files are deleted."
    s3 = aws_client("s3", services.settings)
    assert s3.list_objects_v2(Bucket=services.settings.upload_bucket).get("KeyCount", 0) == 0
    assert videoflix("delete", "1").err.strip() == "videoflix: error: the API answered 404: Video not found."
    assert videoflix("videos").out.startswith("No videos yet.")


def test_part_size_comes_from_the_api(logged_in, film, videoflix, services, part_puts):
    """With the default 64 MiB parts the whole film is one part: no local assumption about sizes."""
    assert services.settings.upload_part_size > PART_SIZE
    result = videoflix("upload", str(film), *UPLOAD)
    assert result.code == 0, result.err
    assert part_puts.numbers == [1]
    assert "Uploading film.mp4 (11.0 MiB, 1 part) as video 1." in result.err
    assert uploaded_object(services, 1) == film.read_bytes()
