"""A long film's AV1 ladder in chunk jobs (pipeline/av1_chunks.py, av1_chunk_worker.py), forced by a low
threshold on a tiny 13 s fanned-out clip: two H.264 chunks, then two AV1 chunks at SVT-AV1's fastest
preset, each a message of its own on the AV1 queue (moto S3/SQS, real FFmpeg, PostgreSQL)."""
from __future__ import annotations

import io
import struct

import av
import pytest
import requests
from sqlalchemy import select

from tests.integration.videos.test_av1_ladder import av1_row, master_variants_with_attributes
from tests.integration.videos.test_fanout import packet_span
from tests.integration.videos.test_pipeline import media_keys
from tests.support.videos import video_row
from videoflix.db.models import Av1Chunk
from videoflix.domain.hls import map_uris, parse_media_playlist, segment_names
from videoflix.pipeline import av1_chunk_worker, ffmpeg

pytestmark = pytest.mark.integration

FILM_SECONDS = 13  # 325 frames at 25 fps: 6 s segments, chunks of one and two segments (6 s, 6 s + 1 s)
TIMELINE_START = 11.4  # the fan-out's TIMELINE_OFFSET (10 s) and the TS muxer's start delay (1.4 s)


@pytest.fixture
def settings(settings):
    return settings.with_overrides(av1_ladder=True, av1_preset=12, av1_chunk_min_duration=1, av1_chunk_seconds=6,
                                   fanout_min_duration=1, fanout_chunk_seconds=6)


@pytest.fixture
def chunk_starts(monkeypatch, services):
    """(chunk, the film's status) each time an AV1 chunk job starts."""
    seen = []
    real_run = av1_chunk_worker.Av1ChunkEncoding.run

    def recording_run(self, job):
        seen.append((job.chunk, video_row(services, job.video_id).status))
        return real_run(self, job)
    monkeypatch.setattr(av1_chunk_worker.Av1ChunkEncoding, "run", recording_run)
    return seen


@pytest.fixture
def av1_encodes(monkeypatch):
    """The first segment number of every AV1 chunk FFmpeg is started on; `fail[n]` chunk-n starts fail."""
    started, fail = [], {}
    real_run = ffmpeg.run_ffmpeg

    def run(args, *rest, **options):
        if "libsvtav1" in args:
            first = int(args[args.index("-start_number") + 1])
            started.append(first)
            if fail.get(first, 0) > 0:
                fail[first] -= 1
                raise RuntimeError(f"injected failure of the chunk from segment {first}")
        return real_run(args, *rest, **options)
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", run)
    return started, fail


def chunk_rows(services, video_id):
    with services.db.session() as session:
        return [(c.chunk_index, c.status, c.attempts) for c in session.scalars(
            select(Av1Chunk).where(Av1Chunk.video_id == video_id).order_by(Av1Chunk.chunk_index))]


def tfdt_seconds(init: bytes, segment: bytes) -> float:
    """A fragment's decode time (tfdt) over its track's timescale (mdhd)."""
    at = init.index(b"mdhd")
    timescale = struct.unpack(">I", init[at + (24 if init[at + 4] == 1 else 16):][:4])[0]
    at = segment.index(b"tfdt")
    decode = struct.unpack(">Q" if segment[at + 4] == 1 else ">I", segment[at + 8:at + (16 if segment[at + 4] == 1 else 12)])[0]
    return decode / timescale


def test_a_long_films_av1_ladder_is_encoded_in_chunks_and_joined(clip_factory, upload_video, pipeline, services,
                                                                  staff_client, logged_in_client, chunk_starts,
                                                                  av1_encodes, tmp_path):
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=320, height=180))["video"]["id"]
    pipeline()

    assert sorted(chunk_starts) == [(0, "ready"), (1, "ready")]  # after the film was ready, one job per chunk
    assert sorted(av1_encodes[0]) == [0, 1]
    assert video_row(services, video_id).status == "ready"
    job = av1_row(services, video_id)
    assert (job.status, job.progress, job.chunks_done, job.chunks_total) == ("ready", 100, 2, 2)
    assert chunk_rows(services, video_id) == [(0, "ready", 1), (1, "ready", 1)]
    staff = staff_client.get(f"/api/admin/videos/{video_id}/").json["av1"]
    assert staff == {"status": "ready", "progress": 100, "error": None, "renditions": job.renditions,
                     "chunks_done": 2, "chunks_total": 2}

    viewer = logged_in_client()
    master = viewer.get(f"/api/video/{video_id}/master.m3u8").text
    (h264, _), (av1_variant, uri) = master_variants_with_attributes(master)
    assert uri.endswith(f"/{job.renditions[0]}/index.m3u8") and av1_variant["CODECS"].startswith("av01.")
    assert av1_variant["AUDIO"] == h264["AUDIO"] == "audio"  # both ladders play the one audio rendition
    assert av1_variant["CODECS"].endswith(",mp4a.40.2") and int(av1_variant["BANDWIDTH"]) > 0

    playlist = viewer.get(f"/api/video/{video_id}/{job.renditions[0]}/index.m3u8").text
    [init_url] = map_uris(playlist)  # the chunks' init segments are the same bytes: one EXT-X-MAP
    assert [round(seconds, 3) for _, seconds in parse_media_playlist(playlist)] == [6.0, 6.0, 1.0]
    init = requests.get(init_url, timeout=10).content
    segments = [requests.get(u, timeout=10).content for u in segment_names(playlist)]
    with av.open(io.BytesIO(init + b"".join(segments)), format="mp4") as container:
        assert container.streams.video[0].codec_context.name in ("libdav1d", "av1", "libaom-av1")
        frames = list(container.decode(video=0))
    assert len(frames) == FILM_SECONDS * 25 and (frames[0].width, frames[0].height) == (320, 180)

    # Each AV1 segment starts where the H.264 segment of the same number starts, on the timeline the
    # audio rendition shares: no drift at the chunk edge.
    starts = [tfdt_seconds(init, segment) for segment in segments]
    assert starts == pytest.approx([TIMELINE_START, TIMELINE_START + 6, TIMELINE_START + 12], abs=0.001)
    s3 = services.storage
    h264_playlist = s3.read_media_text(f"videos/{video_id}/480p/index.m3u8") or ""
    for index, name in enumerate(segment_names(h264_playlist)):
        path = tmp_path / name
        path.write_bytes(requests.get(s3.presign_media(f"videos/{video_id}/480p/{name}", 60), timeout=10).content)
        assert packet_span(path, "video")[0] == pytest.approx(starts[index], abs=0.001)
    audio_playlist = s3.read_media_text(f"videos/{video_id}/audio/index.m3u8") or ""
    first_audio = tmp_path / "audio_first.ts"
    first_audio.write_bytes(requests.get(s3.presign_media(
        f"videos/{video_id}/audio/{segment_names(audio_playlist)[0]}", 60), timeout=10).content)
    assert abs(packet_span(first_audio, "audio")[0] - starts[0]) < 0.05  # within an AAC frame or two

    # A duplicate delivery of a recorded chunk changes nothing.
    keys = sorted(media_keys(services, video_id))
    services.av1_queue.send_av1_chunks(video_id, [1])
    pipeline()
    assert sorted(av1_encodes[0]) == [0, 1]  # nothing encoded again
    assert chunk_rows(services, video_id) == [(0, "ready", 1), (1, "ready", 1)]
    assert viewer.get(f"/api/video/{video_id}/master.m3u8").text == master
    assert sorted(media_keys(services, video_id)) == keys and av1_row(services, video_id).status == "ready"


def test_a_failed_chunk_is_retried_alone(clip_factory, upload_video, pipeline, services, chunk_starts, av1_encodes):
    started, fail = av1_encodes
    fail[1] = 1  # the chunk from segment 1 fails once
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=320, height=180))["video"]["id"]
    pipeline()
    assert sorted(started) == [0, 1, 1]  # chunk 0 once, chunk 1 twice
    assert chunk_rows(services, video_id) == [(0, "ready", 1), (1, "ready", 2)]
    assert all(status == "ready" for _, status in chunk_starts)
    assert av1_row(services, video_id).status == "ready" and video_row(services, video_id).status == "ready"


def test_a_chunk_out_of_attempts_fails_the_av1_ladder_alone_and_deletes_its_output(
        clip_factory, upload_video, pipeline, services, logged_in_client, av1_encodes):
    started, fail = av1_encodes
    fail[1] = 99
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=320, height=180))["video"]["id"]
    pipeline()
    assert sorted(started) == [0, 1, 1, 1]  # CHUNK_MAX_ATTEMPTS of chunk 1, then no more
    job = av1_row(services, video_id)
    assert job.status == "failed" and "AV1 chunk 1 failed 3 times" in job.error and "H.264" in job.error
    assert video_row(services, video_id).status == "ready"  # the film never left ready
    assert not [key for key in media_keys(services, video_id) if "/av1-" in key]  # chunk 0's output deleted
    master = logged_in_client().get(f"/api/video/{video_id}/master.m3u8").text
    assert "av01" not in master and "/480p/index.m3u8" in master


def test_the_sweeper_sends_lost_chunk_messages_again(clip_factory, upload_video, pipeline, services, monkeypatch):
    from datetime import timedelta

    from videoflix.db.models import utcnow
    from videoflix.pipeline import av1 as av1_pipeline
    from videoflix.pipeline.sweeper import Sweeper

    monkeypatch.setattr(av1_pipeline, "send_job", lambda *args: None)  # the queue was unreachable after the commit
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=320, height=180))["video"]["id"]
    pipeline()
    assert chunk_rows(services, video_id) == [(0, "queued", 0), (1, "queued", 0)]
    assert Sweeper(services).run(now=utcnow()).av1_requeued == []  # not waiting long yet
    later = utcnow() + timedelta(seconds=services.settings.transcode_time_budget + 300)
    assert Sweeper(services).run(now=later).av1_requeued == [video_id, video_id]  # one message per chunk
    pipeline()
    assert av1_row(services, video_id).status == "ready"
    assert Sweeper(services).run(now=later).av1_requeued == []  # settled: nothing more to send
