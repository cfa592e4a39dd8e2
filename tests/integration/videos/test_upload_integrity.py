"""Uploads that are not what they claim: a size other than declared, a film cut off before its end.

Refused at completion (400, video failed, file deleted) or in the transcoder before anything
reads the file; a film whose encode falls short of its announced length fails, with nothing
of it published, on the single-process and on the fan-out path.
"""
from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

from tests.integration.conftest import _binding
from tests.integration.videos.test_pipeline import media_keys
from tests.support.videos import video_row
from videoflix.adapters.aws import aws_client, queue_url
from videoflix_tools.dev.pump import QueuePump
from videoflix_tools.functions import load_handler
from videoflix_tools.testing.multipart import put_parts

pytestmark = pytest.mark.integration

NEW = {"title": "Film", "description": "d", "category": "Drama", "filename": "film.mp4", "content_type": "video/mp4"}


def upload_keys(services, video_id: int) -> list[str]:
    s3 = aws_client("s3", services.settings)
    answer = s3.list_objects_v2(Bucket=services.settings.upload_bucket, Prefix=f"uploads/{video_id}/")
    return [item["Key"] for item in answer.get("Contents", [])]


def pending_multipart_uploads(services) -> list[str]:
    s3 = aws_client("s3", services.settings)
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket=services.settings.upload_bucket).get("Uploads", [])]


def cut_in_half(clip: Path, folder: Path) -> Path:
    """The clip with its index first (as phones and editors write it), then only its first half of bytes:
    the header still announces the whole length."""
    from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg

    whole = folder / f"faststart_{clip.name}"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(clip),
                "-c", "copy", "-movflags", "+faststart", "-y", str(whole)], duration=1, time_budget=60,
               on_progress=None)
    data = whole.read_bytes()
    half = folder / f"half_{clip.name}"
    half.write_bytes(data[: len(data) // 2])
    return half


@pytest.fixture
def no_media_reads(monkeypatch, ffmpeg_runs):
    """Fails the test if anything probes the file; FFmpeg runs are recorded in `ffmpeg_runs`."""
    monkeypatch.setattr(av, "open", lambda *args, **kwargs: pytest.fail("the upload was probed"))
    return ffmpeg_runs


# -- the declared size at completion ---------------------------------------------------------
@pytest.mark.parametrize("declared_change", [-1, +5000], ids=["more-bytes-than-declared", "fewer-bytes"])
def test_completing_an_upload_of_another_size_than_declared_fails_the_video_and_deletes_the_file(
        clip_factory, staff_client, services, transcode_queue_messages, declared_change):
    data = clip_factory(seconds=2, width=640, height=360).read_bytes()
    declared = 1000 if declared_change < 0 else len(data) + declared_change
    created = staff_client.post("/api/admin/videos/", {**NEW, "size": declared}).json
    video_id = created["video"]["id"]
    parts = put_parts(created["upload"], data)
    answer = staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts})
    assert answer.status == 400, answer.text
    [message] = answer.json["size"]
    assert f"{len(data)} bytes" in message and f"{declared} bytes were declared" in message
    video = staff_client.get(f"/api/admin/videos/{video_id}/").json
    assert video["status"] == "failed" and video["error"] == message  # not left looking as if still coming
    assert upload_keys(services, video_id) == [] and pending_multipart_uploads(services) == []
    # Refused before S3 assembled it: no upload event, nothing to transcode (the TestEvent aside).
    assert [m for m in transcode_queue_messages() if m.get("Records")] == []
    assert staff_client.get(f"/api/admin/videos/{video_id}/upload/").status == 409
    retried = staff_client.post(f"/api/admin/videos/{video_id}/retry/")
    assert retried.status == 409 and "upload the film again" in retried.json["detail"].lower()
    assert video_row(services, video_id).status == "failed"


def test_a_completed_object_of_another_size_than_declared_is_refused_and_deleted(clip_factory, staff_client,
                                                                                 services):
    from videoflix.errors import FieldErrors
    from videoflix.staff.videos import VideoAdmin
    from videoflix.adapters.s3_storage import S3Storage
    from videoflix.domain.ports import UploadedPart

    class MisreportingStorage(S3Storage):
        """Lists the parts at the declared size (as after a part was replaced meanwhile): only HEAD tells."""

        def uploaded_parts(self, key, upload_id):
            return [UploadedPart(p.part_number, p.etag, 1000) for p in super().uploaded_parts(key, upload_id)]

    data = clip_factory(seconds=2, width=640, height=360).read_bytes()
    created = staff_client.post("/api/admin/videos/", {**NEW, "size": 1000}).json
    video_id = created["video"]["id"]
    parts = put_parts(created["upload"], data)
    with pytest.raises(FieldErrors) as caught:
        VideoAdmin(services, MisreportingStorage(services.settings)).complete(video_id, {"parts": parts})
    assert f"{len(data)} bytes" in caught.value.fields["size"][0]
    video = video_row(services, video_id)
    assert video.status == "failed" and "1000 bytes were declared" in video.error
    assert upload_keys(services, video_id) == []


# -- the declared size in the transcoder ------------------------------------------------------
@pytest.mark.parametrize("fanout_min_duration", [0, 1], ids=["single-process", "fan-out"])
def test_the_transcoder_refuses_an_object_of_another_size_before_reading_it(clip_factory, staff_client, services,
                                                                            transcoder, no_media_reads,
                                                                            fanout_min_duration):
    services.settings = services.settings.with_overrides(fanout_min_duration=fanout_min_duration)
    data = clip_factory(seconds=2, width=640, height=360).read_bytes()
    created = staff_client.post("/api/admin/videos/", {**NEW, "size": 1000}).json
    video_id = created["video"]["id"]
    # Written past the multipart plan, straight to the key: S3's event still starts the transcoder.
    aws_client("s3", services.settings).put_object(Bucket=services.settings.upload_bucket,
                                                   Key=created["upload"]["key"], Body=data)
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "failed", video.error
    assert f"{len(data)} bytes" in video.error and "1000 bytes were declared" in video.error
    assert no_media_reads == []  # FFmpeg never ran
    assert upload_keys(services, video_id) == [] and media_keys(services, video_id) == []
    sqs = aws_client("sqs", services.settings)
    chunks = sqs.receive_message(QueueUrl=queue_url(services.settings, services.settings.chunk_queue_name))
    assert chunks.get("Messages", []) == []


def test_the_transcoder_refuses_an_object_above_max_upload_bytes(clip_factory, upload_video, services, transcoder,
                                                                 no_media_reads):
    clip = clip_factory(seconds=2, width=640, height=360)
    video_id = upload_video(clip)["video"]["id"]  # declared right, but the limit was lowered meanwhile
    services.settings = services.settings.with_overrides(max_upload_bytes=clip.stat().st_size - 1)
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "failed" and "MAX_UPLOAD_BYTES" in video.error
    assert no_media_reads == [] and upload_keys(services, video_id) == []


# -- a film cut off before its end ------------------------------------------------------------
def test_an_mp4_cut_in_half_fails_and_publishes_nothing(clip_factory, tmp_path, upload_video, transcoder, services,
                                                        staff_client):
    half = cut_in_half(clip_factory(seconds=3, width=640, height=360), tmp_path)
    video_id = upload_video(half)["video"]["id"]
    transcoder()
    video = video_row(services, video_id)
    assert video.status == "failed", "a film cut in half was published"
    assert "3.0 s" in video.error and "incomplete" in video.error and video.attempts == 1  # not retried
    assert video.ready_at is None and media_keys(services, video_id) == []
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["error"] == video.error


def test_a_fanned_out_mp4_cut_in_half_fails_at_its_short_chunk_and_publishes_nothing(clip_factory, tmp_path,
                                                                                     upload_video, services,
                                                                                     transcode_binding):
    services.settings = services.settings.with_overrides(fanout_min_duration=10, fanout_chunk_seconds=6)
    chunk_binding = _binding(services.settings, services.settings.chunk_queue_name, load_handler("chunker"))
    pump = QueuePump(aws_client("sqs", services.settings), [transcode_binding, chunk_binding],
                     services.settings.aws_region)
    half = cut_in_half(clip_factory(seconds=18, width=640, height=360), tmp_path)
    video_id = upload_video(half)["video"]["id"]
    while pump.drain(transcode_binding) + pump.drain(chunk_binding):
        pass
    video = video_row(services, video_id)
    assert video.status == "failed", "a film cut in half was published"
    assert "incomplete" in video.error and "chunk" in video.error, video.error
    assert video.ready_at is None and media_keys(services, video_id) == []


def test_the_probe_reads_each_tracks_announced_length_in_mp4_and_matroska(tmp_path):
    from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
    from videoflix.pipeline.probe import probe_media
    from videoflix_tools.clips import generate_test_clip

    webm = tmp_path / "clip.webm"  # Matroska states track lengths only in DURATION tags
    generate_test_clip(str(webm), seconds=2, width=320, height=240)
    probe = probe_media(str(webm), max_duration=60)
    assert probe.video_duration == pytest.approx(2.0, abs=0.05) and probe.audio_duration == pytest.approx(2.0, abs=0.05)
    short_picture = tmp_path / "short_picture.mp4"  # 1 s of picture, 5 s of sound
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=1", "-f", "lavfi", "-i", "sine=duration=5",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-y", str(short_picture)],
               duration=5, time_budget=60, on_progress=None)
    probe = probe_media(str(short_picture), max_duration=60)
    assert probe.duration == pytest.approx(5.0, abs=0.1) and probe.picture_duration == pytest.approx(1.0, abs=0.05)
