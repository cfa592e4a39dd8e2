"""A long film's fan-out against the twins: the transcoder's decision, chunk retries, failure, publishing.

FFmpeg never runs: the poster's run is replaced by one that writes a file, and the chunk
worker's encoding by one that records segments, so what is tested is the orchestration.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from videoflix_tools.testing.factories import video_row
from videoflix.domain.transcode_messages import UploadedObject
from videoflix.pipeline.fanout.output import segment_prefix
from videoflix.pipeline.fanout.playlists import job_output
from videoflix.pipeline.fanout.plan import VIDEO_JOB
from videoflix.pipeline.fanout.worker import CHUNK_MAX_ATTEMPTS, ChunkWorker
from videoflix.pipeline.probe import MediaProbe
from videoflix.domain.storyboard import parse_layout
from videoflix.pipeline.transcode import TranscodeJob
from videoflix.domain.cache_keys import CATALOG_LIST
from videoflix_tools.testing.memory import FailingPort, memory_services

PROBE = MediaProbe(format_name="mov", duration=130.0, width=1920, height=1080, video_stream_index=0,
                   audio_stream_index=1, frame_rate=Fraction(30), video_codec="h264")


@pytest.fixture
def services(tmp_path, monkeypatch):
    import videoflix.pipeline.ffmpeg as ffmpeg

    def poster(command, **_):  # the thumbnail command ends with its output path
        Path(command[-1]).write_bytes(b"\xff\xd8 a jpeg")

    monkeypatch.setattr(ffmpeg, "ffmpeg_executable", lambda: "ffmpeg")
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", poster)
    return memory_services(tmp_path, fanout_min_duration=120, fanout_chunk_seconds=30)


class ProbedInPlace(TranscodeJob):
    """The transcoder, its probe through the upload's URL answering PROBE (PyAV is not asked)."""

    def _probe_in_place(self, uploaded):
        return PROBE, self.storage.presign_internal_read(uploaded.bucket, uploaded.key, 60)


class RecordingEncoder(ChunkWorker):
    """The chunk worker, its FFmpeg run replaced: one 6 s segment per rendition, or `failures` raised."""

    def __init__(self, services, failures: dict[tuple[str, int], int] | None = None) -> None:
        super().__init__(services)
        self.failures = dict(failures or {})
        self.encoded: list[tuple[str, int]] = []

    def _encode_and_upload(self, context):
        job = (context.kind, context.chunk_index)
        self.encoded.append(job)
        if self.failures.get(job, 0) > 0:
            self.failures[job] -= 1
            raise RuntimeError(f"FFmpeg exited with status 1 on {job}")
        names = [r.name for r in context.plan.rungs] if context.kind == VIDEO_JOB else ["audio"]
        renditions = {}
        for rendition in names:
            segment = f"{segment_prefix(context.run_id)}segment_{context.chunk_index:05d}.ts"
            key = f"videos/{context.video_id}/{rendition}/{segment}"
            self.storage.put(self.settings.media_bucket, key, b"ts")
            renditions[rendition] = ("mp4a.40.2" if rendition == "audio" else "avc1.64001f", [(segment, 6.0, 2)])
        return job_output(renditions)


def start_long_film(services, add_video) -> int:
    video_id = add_video("uploaded")
    uploaded = UploadedObject(services.settings.upload_bucket, f"uploads/{video_id}/f.mp4", 10)
    services.storage = FailingPort(services.storage, "download", AssertionError("a long film is never downloaded"))
    ProbedInPlace(services).transcode(uploaded)
    services.storage = services.storage.port
    return video_id


def deliver(worker, services) -> list[BaseException]:
    """One batch of the chunk queue, as Lambda's poller takes it once earlier failures' visibility
    timeouts have run out: each visible message once, in order; the failures stay queued (the
    queue twin counts every receive in the record's ApproximateReceiveCount)."""
    queue = services.chunk_queue
    queue.advance(queue.visibility_timeout)
    return queue.deliver(worker.handle_record)


def test_a_long_film_is_fanned_out_without_a_download_and_published_by_its_last_job(services, add_video):
    video_id = start_long_film(services, add_video)
    media = services.settings.media_bucket
    video = video_row(services, video_id)
    assert (video.status, video.attempts) == ("processing", 1)
    assert services.storage.keys(media) == [f"videos/{video_id}/thumbnail.jpg"]
    assert len(services.chunk_queue.messages) == 5 + 1 + 1  # 130 s in 30 s chunks, the audio, the storyboard
    assert {m.video_id for m in services.chunk_queue.messages} == {video_id}
    services.cache.set(CATALOG_LIST, "[]")
    worker = RecordingEncoder(services)
    assert deliver(worker, services) == []
    video = video_row(services, video_id)
    assert (video.status, video.progress, video.lease_expires_at) == ("ready", 100, None)
    assert video.renditions == ["480p", "720p", "1080p", "audio"]
    assert video.thumbnail_key == f"videos/{video_id}/thumbnail.jpg"
    master = services.storage.read_media_text(f"videos/{video_id}/master.m3u8")
    assert "720p/index.m3u8" in master and 'TYPE=AUDIO' in master
    assert services.storage.read_media_text(f"videos/{video_id}/480p/index.m3u8").count(".ts") == 5
    assert services.cache.get(CATALOG_LIST) is None
    assert parse_layout(services.storage.read_media_text(f"videos/{video_id}/storyboard.json")).count == 65
    assert f"videos/{video_id}/storyboard.jpg" in services.storage.keys(media)


def test_a_failed_chunk_is_retried_alone(services, add_video):
    video_id = start_long_film(services, add_video)
    worker = RecordingEncoder(services, failures={(VIDEO_JOB, 2): 1})
    [error] = deliver(worker, services)
    assert "status 1" in str(error) and video_row(services, video_id).status == "processing"
    [waiting] = services.chunk_queue.held()
    assert deliver(worker, services) == []  # its second receive
    assert worker.encoded.count((VIDEO_JOB, 2)) == 2 and len(worker.encoded) == 7
    assert video_row(services, video_id).status == "ready" and waiting.video_id == video_id


def test_a_chunk_failing_on_its_last_attempt_fails_the_film_and_deletes_its_output(services, add_video):
    video_id = start_long_film(services, add_video)
    worker = RecordingEncoder(services, failures={(VIDEO_JOB, 1): CHUNK_MAX_ATTEMPTS})
    for _ in range(CHUNK_MAX_ATTEMPTS):
        assert len(deliver(worker, services)) == 1
    video = video_row(services, video_id)
    assert video.status == "failed" and f"chunk 1 failed {CHUNK_MAX_ATTEMPTS} times" in video.error
    assert "status 1" in video.error
    assert services.storage.keys(services.settings.media_bucket) == []  # thumbnail and segments gone
    # The message left goes to the dead-letter queue; moved back, it finds no run: dropped without work.
    encoded = len(worker.encoded)
    assert deliver(worker, services) == [] and len(services.chunk_queue.dead_letters) == 1
    assert services.chunk_queue.redrive() == 1
    assert deliver(worker, services) == [] and services.chunk_queue.held() == []
    assert len(worker.encoded) == encoded


def test_an_upload_of_another_size_is_refused_before_any_probe_and_deleted(services, add_video):
    video_id = add_video("uploaded", data=b"x" * 10, size=11)
    uploaded = UploadedObject(services.settings.upload_bucket, f"uploads/{video_id}/f.mp4", 10)
    ProbedInPlace(services).transcode(uploaded)
    video = video_row(services, video_id)
    assert video.status == "failed" and "11 bytes were declared" in video.error
    assert services.storage.keys(services.settings.upload_bucket) == []
    assert services.chunk_queue.messages == []


def test_an_upload_gone_from_the_bucket_fails_at_once(services, add_video):
    video_id = add_video("uploaded", file=False)
    ProbedInPlace(services).transcode(UploadedObject(services.settings.upload_bucket, f"uploads/{video_id}/f.mp4"))
    video = video_row(services, video_id)
    assert (video.status, video.attempts) == ("failed", 1) and "gone from the upload bucket" in video.error


def test_a_transcoded_record_names_its_video_in_its_log_context_and_leaves_none_behind(services, add_video):
    from videoflix.observability.logs import current_context, log_context

    seen = []
    job = ProbedInPlace(services)
    original = job._check_upload_size
    job._check_upload_size = lambda claim, uploaded: (seen.append(current_context()["video_id"]),
                                                      original(claim, uploaded))
    video_id = add_video("uploaded", data=b"x" * 10, size=11)
    with log_context(video_id=None):
        job.transcode(UploadedObject(services.settings.upload_bucket, f"uploads/{video_id}/f.mp4", 10))
        assert seen == [video_id]
        assert current_context()["video_id"] is None  # the next record of the batch starts clean


def test_a_storyboard_failing_on_its_last_attempt_leaves_the_film_published_without_one(services, add_video,
                                                                                      monkeypatch):
    import videoflix.pipeline.ffmpeg as ffmpeg

    video_id = start_long_film(services, add_video)
    poster = ffmpeg.run_ffmpeg

    def storyboard_fails(command, **kwargs):
        if any(arg.endswith("storyboard.jpg") for arg in command):
            Path(command[-1]).write_bytes(b"half a sprite")  # FFmpeg wrote some, then failed
            raise ffmpeg.FFmpegFailed(1, "decoding failed")
        poster(command, **kwargs)

    monkeypatch.setattr(ffmpeg, "run_ffmpeg", storyboard_fails)
    worker = RecordingEncoder(services)
    for _ in range(1, CHUNK_MAX_ATTEMPTS):
        [error] = deliver(worker, services)
        assert "decoding failed" in str(error) and video_row(services, video_id).status == "processing"
    assert deliver(worker, services) == []  # its last receive
    assert video_row(services, video_id).status == "ready"
    keys = services.storage.keys(services.settings.media_bucket)
    assert f"videos/{video_id}/master.m3u8" in keys and not [k for k in keys if "storyboard" in k]
