"""The AV1 ladder through the whole pipeline (moto S3/SQS, real FFmpeg on a tiny clip): the film is ready in
H.264 first, the AV1 job follows as a message of its own and joins the master; a failure leaves H.264."""
from __future__ import annotations

import io
import re

import av
import pytest
import requests

from tests.support.videos import video_row
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import Av1Job
from videoflix.domain.hls import bandwidth, map_uris, parse_media_playlist, segment_names, Segment
from videoflix.pipeline import av1 as av1_pipeline, av1_chunks

pytestmark = pytest.mark.integration

FILM_SECONDS = 2
ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@pytest.fixture
def settings(settings, request):
    """AV1 on, at SVT-AV1's fastest preset: these tests check the pipeline, not the picture. A test marked
    `fanout` gets its film fanned out (one chunk job, one audio job)."""
    fanout = dict(fanout_min_duration=1, fanout_chunk_seconds=6) if request.node.get_closest_marker("fanout") else {}
    return settings.with_overrides(av1_ladder=True, av1_preset=12, **fanout)


@pytest.fixture
def av1_starts(monkeypatch, services):
    """What the film looked like each time an AV1 job started: (status, master's variant URIs)."""
    seen = []
    real_run = av1_pipeline.Av1Encoding.run

    def recording_run(self, job):
        video = video_row(services, job.video_id)
        master = services.storage.read_media_text(f"videos/{job.video_id}/master.m3u8") or ""
        seen.append((video.status, segment_names(master)))
        return real_run(self, job)
    monkeypatch.setattr(av1_pipeline.Av1Encoding, "run", recording_run)
    return seen


def av1_row(services, video_id):
    with services.db.session() as session:
        job = session.get(Av1Job, video_id)
        session.expunge(job)
        return job


def master_variants_with_attributes(master: str) -> list[tuple[dict, str]]:
    lines = master.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = {name: value.strip('"') for name, value in ATTRIBUTE.findall(line.split(":", 1)[1])}
            found.append((attributes, lines[index + 1]))
    return found


def test_ready_in_h264_first_then_the_av1_ladder_joins_the_master(clip_factory, upload_video, pipeline, services,
                                                                   staff_client, logged_in_client, av1_starts):
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=640, height=360), title="Tiny")["video"]["id"]
    pipeline()  # the upload (transcode queue), then the AV1 job it queued (AV1 queue, chunk worker)

    # The AV1 job started only once the film was ready, its master still H.264 alone.
    assert av1_starts == [("ready", ["480p/index.m3u8"])]
    video = video_row(services, video_id)
    assert video.status == "ready" and video.renditions == ["480p"]  # the H.264 rendition list as before
    job = av1_row(services, video_id)
    assert (job.status, job.progress, job.attempts, job.renditions) == ("ready", 100, 1, ["av1-480p"])
    staff_view = staff_client.get(f"/api/admin/videos/{video_id}/").json
    assert staff_view["av1"] == {"status": "ready", "progress": 100, "error": None, "renditions": ["av1-480p"]}

    viewer = logged_in_client()
    master = viewer.get(f"/api/video/{video_id}/master.m3u8").text
    uris = [u.rsplit("/", 2)[-2] for u in segment_names(master)]
    assert uris == ["480p", "av1-480p"]  # H.264 first, as before; AV1 after
    (h264, _), (av1_variant, _) = master_variants_with_attributes(master)
    assert "avc1" in h264["CODECS"]

    playlist = viewer.get(f"/api/video/{video_id}/av1-480p/index.m3u8")
    assert playlist.status == 200
    [init_url] = map_uris(playlist.text)
    segment_urls = segment_names(playlist.text)
    assert "X-Amz-Signature" in init_url and all("X-Amz-Signature" in u for u in segment_urls)
    init = requests.get(init_url, timeout=10).content
    segments = [requests.get(u, timeout=10).content for u in segment_urls]
    assert init[4:8] == b"ftyp" and all(s[4:8] in (b"styp", b"moof") for s in segments)  # fMP4, not TS

    # CODECS names the level the encoder signalled (the av1C box of the init segment) and the audio.
    level = init[init.index(b"av1C") + 5] & 0x1F
    assert av1_variant["CODECS"] == f"av01.0.{level:02d}M.08,mp4a.40.2"
    assert av1_variant["RESOLUTION"] == "640x360"
    durations = [seconds for _, seconds in parse_media_playlist(playlist.text)]
    measured = [Segment(str(i), d, len(s)) for i, (d, s) in enumerate(zip(durations, segments))]
    assert (int(av1_variant["BANDWIDTH"]), int(av1_variant["AVERAGE-BANDWIDTH"])) == bandwidth(measured)

    with av.open(io.BytesIO(init + b"".join(segments)), format="mp4") as container:
        assert container.streams.video[0].codec_context.name in ("libdav1d", "av1", "libaom-av1")
        assert container.streams.audio[0].codec_context.name == "aac"
        rate = float(container.streams.video[0].average_rate)
        frames = list(container.decode(video=0))
    assert frames and (frames[0].width, frames[0].height) == (640, 360)
    assert abs(len(frames) / rate - FILM_SECONDS) < 0.2  # the whole film, decodable

    # A duplicate delivery of the done job encodes nothing.
    services.av1_queue.request_av1(video_id)
    pipeline()
    assert av1_row(services, video_id).attempts == 1


def test_a_failing_av1_job_leaves_the_film_ready_in_h264(clip_factory, upload_video, pipeline, services,
                                                          staff_client, logged_in_client, monkeypatch):
    def broken(*args, **kwargs):
        return ["ffmpeg-that-does-not-exist"]
    monkeypatch.setattr(av1_pipeline, "build_av1_ladder_command", broken)
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=640, height=360))["video"]["id"]
    pipeline()  # SQS delivers the AV1 job until its last attempt, then the dead-letter queue keeps it

    assert video_row(services, video_id).status == "ready"
    job = av1_row(services, video_id)
    assert job.status == "failed" and job.attempts == 3 and "The film plays in H.264" in job.error
    sqs = aws_client("sqs", services.settings)
    dead = sqs.receive_message(QueueUrl=queue_url(services.settings, services.settings.av1_queue_name + "-dlq"),
                               MaxNumberOfMessages=10).get("Messages", [])
    assert [m["Body"] for m in dead] == [f'{{"kind": "av1", "video_id": {video_id}}}']
    viewer = logged_in_client()
    master = viewer.get(f"/api/video/{video_id}/master.m3u8").text
    assert "av01" not in master and [u.rsplit("/", 2)[-2] for u in segment_names(master)] == ["480p"]
    assert viewer.get(f"/api/video/{video_id}/av1-480p/index.m3u8").status == 404
    assert staff_client.get(f"/api/admin/videos/{video_id}/").json["av1"]["status"] == "failed"


def test_an_av1_job_out_of_time_fails_at_once_and_the_film_stays_ready(clip_factory, upload_video, pipeline,
                                                                         services, monkeypatch):
    """Every attempt would run out of time alike: no retry, no dead letter, H.264 plays."""
    import videoflix.pipeline.ffmpeg as ffmpeg

    real_run = ffmpeg.run_ffmpeg

    def out_of_time(args, *rest, **options):
        if "libsvtav1" in args:
            raise ffmpeg.TimeBudgetExceeded("FFmpeg ran past its budget")
        return real_run(args, *rest, **options)
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", out_of_time)
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=640, height=360))["video"]["id"]
    pipeline()
    job = av1_row(services, video_id)
    assert (job.status, job.attempts) == ("failed", 1) and "cannot be made" in job.error
    assert video_row(services, video_id).status == "ready"


def test_a_film_too_long_for_one_av1_job_is_skipped_without_a_message(clip_factory, upload_video, pipeline,
                                                                       services, monkeypatch, av1_starts):
    """Too long for one job, and published by the single-process transcoder: no separate audio rendition
    for AV1 chunks to share (pipeline/av1_chunks.py), so no AV1 ladder."""
    monkeypatch.setattr(av1_chunks, "AV1_SECONDS_PER_FILM_SECOND", 1000)  # 0.84 s of film per 840 s budget
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=640, height=360))["video"]["id"]
    pipeline()
    assert av1_starts == []
    job = av1_row(services, video_id)
    assert job.status == "skipped" and "plays in H.264" in job.error and "no separate audio" in job.error
    assert video_row(services, video_id).status == "ready"


def test_the_sweeper_sends_a_lost_av1_message_again(clip_factory, upload_video, pipeline, services, monkeypatch):
    from datetime import timedelta

    from videoflix.db.models import utcnow
    from videoflix.pipeline.sweeper import Sweeper

    monkeypatch.setattr(av1_pipeline, "send_job", lambda *args: None)  # the queue was unreachable after the commit
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=640, height=360))["video"]["id"]
    pipeline()
    assert av1_row(services, video_id).status == "queued"
    assert Sweeper(services).run(now=utcnow()).av1_requeued == []  # not waiting long yet
    later = utcnow() + timedelta(seconds=services.settings.transcode_time_budget + 300)
    assert Sweeper(services).run(now=later).av1_requeued == [video_id]
    pipeline()
    assert av1_row(services, video_id).status == "ready"
