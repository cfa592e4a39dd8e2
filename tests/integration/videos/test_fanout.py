"""Fan-out: a long film cut into chunks encoded by chunk workers, against the single-process ladder.

The threshold and the chunk length are lowered so an 18 s clip makes three 6 s chunks and
two audio parts (12 s and 6 s). The
output of both paths is downloaded from the media bucket and read packet by packet with PyAV.
"""
from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import av
import pytest
import requests
from sqlalchemy import func, select

from tests.integration.videos.conftest import assert_truthful_bandwidth
from tests.integration.videos.test_pipeline import media_keys, video_row
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import FanoutJob, FanoutRun, Video, VideoStatus, utcnow
from videoflix.pipeline.probe import MediaProbe
from videoflix.domain.hls import master_variants, segment_names
from videoflix_tools.functions import load_handler

pytestmark = pytest.mark.integration

SYNC_TOLERANCE = 0.050  # seconds between a video segment's start and its audio segment's
CONTINUITY_TOLERANCE = 0.001


@pytest.fixture
def settings(settings):
    # Audio parts of two segments: the 18 s clip's audio is encoded in two parts, joined at 12 s.
    return settings.with_overrides(fanout_min_duration=10, fanout_chunk_seconds=6, fanout_audio_part_seconds=12)


def download(services, video_id: int, folder: Path) -> Path:
    s3 = aws_client("s3", services.settings)
    prefix = f"videos/{video_id}/"
    for key in media_keys(services, video_id):
        target = folder / key[len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(services.settings.media_bucket, key, str(target))
    return folder


def playlist(folder: Path, rendition: str) -> list[tuple[Path, float]]:
    lines = (folder / rendition / "index.m3u8").read_text().splitlines()
    durations = [float(l.split(":", 1)[1].rstrip(",")) for l in lines if l.startswith("#EXTINF:")]
    return list(zip((folder / rendition / name for name in segment_names("\n".join(lines))), durations))


def packet_span(segment: Path, kind: str) -> tuple[float, float, bool]:
    """(first pts, end of the last packet, whether the first packet is a keyframe) of one stream."""
    with av.open(str(segment), format="mpegts") as container:
        packets = [p for p in container.demux(getattr(container.streams, kind)[0]) if p.pts is not None]
    first = min(packets, key=lambda p: p.pts)
    start = float(first.pts * first.time_base)
    end = max(float((p.pts + (p.duration or 0)) * p.time_base) for p in packets)
    return start, end, packets[0].is_keyframe


def luma(segment: Path, frames: int = 2) -> list[bytes]:
    with av.open(str(segment), format="mpegts") as container:
        decoded = []
        for frame in container.decode(video=0):
            decoded.append(bytes(frame.planes[0])[::101])
            if len(decoded) == frames:
                return decoded
    return decoded


def difference(a: bytes, b: bytes) -> float:
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def test_fanout_matches_the_single_process_ladder(clip_factory, upload_video, pipeline, services, tmp_path,
                                                  logged_in_client):
    # A preset with B-frames: their decoding delay is what shifts chunk timestamps if unhandled.
    services.settings = services.settings.with_overrides(ffmpeg_preset="superfast", fanout_min_duration=0)
    clip = clip_factory(seconds=18, width=1280, height=720)
    single_id = upload_video(clip, title="Single")["video"]["id"]
    pipeline()
    services.settings = services.settings.with_overrides(fanout_min_duration=10)
    fanned_id = upload_video(clip, title="Fanned out")["video"]["id"]
    pipeline()

    single, fanned = video_row(services, single_id), video_row(services, fanned_id)
    assert single.status == fanned.status == "ready", (single.error, fanned.error)
    assert single.renditions == ["480p", "720p"] and fanned.renditions == ["480p", "720p", "audio"]
    assert fanned.progress == 100 and fanned.thumbnail_key == f"videos/{fanned_id}/thumbnail.jpg"
    assert (fanned.width, fanned.height, fanned.duration) == (single.width, single.height, single.duration)
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FanoutRun)) == 0  # the finished run is dropped
    single_dir = download(services, single_id, tmp_path / "single")
    fanned_dir = download(services, fanned_id, tmp_path / "fanned")
    # Capped CRF: a rung's rate is known only from its segments, in both masters.
    assert_truthful_bandwidth(single_dir)
    assert_truthful_bandwidth(fanned_dir)

    master = (fanned_dir / "master.m3u8").read_text()
    assert master_variants(master) == master_variants((single_dir / "master.m3u8").read_text())
    assert '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio"' in master and 'URI="audio/index.m3u8"' in master
    assert master.count('AUDIO="audio"') == 2 and "RESOLUTION=1280x720" in master and "mp4a.40.2" in master

    audio = playlist(fanned_dir, "audio")
    audio_spans = [packet_span(path, "audio") for path, _ in audio]
    for rung in ("480p", "720p"):
        ours, theirs = playlist(fanned_dir, rung), playlist(single_dir, rung)
        assert abs(len(ours) - len(theirs)) <= 1
        assert sum(d for _, d in ours) == pytest.approx(sum(d for _, d in theirs), abs=0.1)
        assert all(packet_span(path, "video")[2] for path, _ in theirs)
        spans = [packet_span(path, "video") for path, _ in ours]
        assert all(keyframe for _, _, keyframe in spans), "every segment starts on a keyframe"
        for (_, end, _), (start, _, _) in zip(spans, spans[1:]):
            assert start == pytest.approx(end, abs=CONTINUITY_TOLERANCE), "gap or overlap between segments"
        for (start, _, _), (audio_start, _, _) in zip(spans, audio_spans):
            assert abs(start - audio_start) <= SYNC_TOLERANCE
        assert len(audio_spans) == len(spans)
        assert audio_spans[-1][1] == pytest.approx(spans[-1][1], abs=0.1)
    # The audio goes on from segment to segment, across the join of its two parts as within one.
    for (_, end, _), (start, _, _) in zip(audio_spans, audio_spans[1:]):
        assert start == pytest.approx(end, abs=CONTINUITY_TOLERANCE), "gap or overlap in the audio"
    # Frame-accurate seeks: each chunk starts with the very frame the single process has there.
    for index, ((ours, _), (theirs, _)) in enumerate(zip(playlist(fanned_dir, "720p"), playlist(single_dir, "720p"))):
        first, [same, following] = luma(ours, 1)[0], luma(theirs)
        assert difference(first, same) < difference(first, following) / 2, f"segment {index}"

    viewer = logged_in_client()
    served = viewer.get(f"/api/video/{fanned_id}/master.m3u8").text
    assert f'URI="http://testserver/api/video/{fanned_id}/audio/index.m3u8"' in served
    audio_playlist = viewer.get(f"/api/video/{fanned_id}/audio/index.m3u8")
    assert audio_playlist.status == 200
    urls = segment_names(audio_playlist.text)
    assert len(urls) == len(audio) and all("X-Amz-Signature" in u for u in urls)
    with av.open(io.BytesIO(requests.get(urls[0], timeout=10).content), format="mpegts") as container:
        assert container.streams.audio and not container.streams.video


def chunk_number(args: list[str]) -> str | None:
    """'audio', the first segment number of a chunk, or None for other FFmpeg runs."""
    if "a:0,name:audio" in args:
        return "audio"
    return args[args.index("-start_number") + 1] if "-start_number" in args else None


def test_a_failed_chunk_is_retried_alone_and_progress_counts_jobs(tmp_path, upload_video, pipeline, services,
                                                                 ffmpeg_runs, monkeypatch):
    import videoflix.pipeline.ffmpeg as ffmpeg
    from videoflix.pipeline.fanout.state import FanoutState
    from videoflix_tools.clips import generate_test_clip

    clip = tmp_path / "hd.mp4"
    generate_test_clip(str(clip), seconds=12, width=1920, height=1080, rate=10)  # 1080p, made cheap
    recording_run = ffmpeg.run_ffmpeg
    failures = []

    def flaky_run(args, *rest, **options):
        if chunk_number(list(args)) == "1" and not failures:
            failures.append(args)
            raise ffmpeg.FFmpegFailed(1, "Connection reset by peer")
        return recording_run(args, *rest, **options)
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", flaky_run)
    progress = []
    real_finish = FanoutState.finish_job

    def watched_finish(self, context, output, seconds):
        finished = real_finish(self, context, output, seconds)
        progress.append((finished.done, finished.total, video_row(services, context.video_id).progress))
        return finished
    monkeypatch.setattr(FanoutState, "finish_job", watched_finish)

    video_id = upload_video(clip)["video"]["id"]
    pipeline()
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    assert video.renditions == ["480p", "720p", "1080p", "audio"]
    runs = [chunk_number(args) for args in ffmpeg_runs if chunk_number(args)]
    assert sorted(runs) == ["0", "1", "audio"] and len(failures) == 1  # chunk 1 again, nothing else
    assert not any("-master_pl_name" in args and "-start_number" not in args and "a:0,name:audio" not in args
                   for args in ffmpeg_runs), "the single-process ladder never ran"
    assert sorted(progress) == [(1, 4, 24), (2, 4, 49), (3, 4, 74), (4, 4, 99)]  # 100 only once ready
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FanoutJob)) == 0
    folder = download(services, video_id, tmp_path / "out")
    [(first, _), *_] = playlist(folder, "1080p")
    with av.open(str(first), format="mpegts") as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (1920, 1080)


def test_exhausted_retries_fail_the_video_and_delete_its_partial_output(clip_factory, upload_video, pipeline,
                                                                        services, monkeypatch):
    import videoflix.pipeline.ffmpeg as ffmpeg

    recording_run = ffmpeg.run_ffmpeg
    attempts = []

    def broken_chunk(args, *rest, **options):
        if chunk_number(list(args)) == "2":
            attempts.append(args)
            raise ffmpeg.FFmpegFailed(1, "Invalid data found when processing input")
        return recording_run(args, *rest, **options)
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", broken_chunk)
    services.settings = services.settings.with_overrides(fanout_chunk_seconds=12)  # chunks of 12 and 6 s
    video_id = upload_video(clip_factory(seconds=18, width=1280, height=720))["video"]["id"]
    pipeline()

    video = video_row(services, video_id)
    assert video.status == "failed" and len(attempts) == 3
    assert "chunk 1 failed 3 times" in video.error and "Invalid data" in video.error
    assert media_keys(services, video_id) == []  # chunk 0, the audio and the poster are gone too
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FanoutRun)) == 0
    sqs = aws_client("sqs", services.settings)
    dead = sqs.receive_message(QueueUrl=queue_url(services.settings, f"{services.settings.chunk_queue_name}-dlq"),
                               MaxNumberOfMessages=10)
    assert len(dead.get("Messages", [])) == 1


def start_run(services, jobs_wanted: int = 6):
    """A processing video with a run of `jobs_wanted` jobs (chunks, the audio, the storyboard), made straight
    in the database."""
    from videoflix.pipeline.fanout.plan import make_plan
    from videoflix.pipeline.fanout.state import FanoutState

    with services.db.session() as session:
        video = Video(title="Long", description="", category="Drama", status=VideoStatus.PROCESSING, progress=0,
                      filename="long.mp4", content_type="video/mp4", size=1, source_key=f"uploads/x/{jobs_wanted}.mp4",
                      renditions=[], attempts=1, lease_expires_at=utcnow())
        session.add(video)
        session.flush()
        video_id = video.id
    probe = MediaProbe(format_name="mov", duration=6.0 * (jobs_wanted - 2), width=640, height=360,
                       video_stream_index=0, audio_stream_index=1)
    settings = services.settings.with_overrides(fanout_chunk_seconds=6, fanout_audio_part_seconds=600)
    plan = make_plan(settings, "b", "k", probe, None)
    assert len(plan.jobs()) == jobs_wanted
    state = FanoutState(services.db, services.settings.transcode_time_budget)
    run_id, job_ids = state.start_run(video_id, plan)
    return state, video_id, run_id, job_ids


def test_concurrent_finishers_count_atomically_and_one_alone_publishes(services):
    from videoflix.pipeline.fanout.state import Finish

    state, video_id, run_id, job_ids = start_run(services)
    contexts = [state.begin_job(job_id) for job_id in job_ids]
    barrier = threading.Barrier(len(contexts))
    results = []

    def finish(context):
        barrier.wait()
        results.append(state.finish_job(context, {"renditions": {}}, 1.0))
    threads = [threading.Thread(target=finish, args=(c,)) for c in contexts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.done for r in results) == list(range(1, len(job_ids) + 1))
    assert {r.outcome for r in results} == {Finish.RECORDED}
    assert state.finish_job(contexts[0], {}, 1.0).outcome is Finish.DUPLICATE  # a redelivery counts nothing
    claims = []
    claimers = [threading.Thread(target=lambda: claims.append(state.claim_finalize(run_id))) for _ in range(4)]
    for thread in claimers:
        thread.start()
    for thread in claimers:
        thread.join()
    assert sorted(claims) == [False, False, False, True]
    assert video_row(services, video_id).progress == 99


def test_late_messages_of_a_replaced_run_find_nothing(services):
    from videoflix.pipeline.fanout.state import Finish

    state, video_id, old_run, old_jobs = start_run(services)
    early = state.begin_job(old_jobs[0])
    plan = early.plan
    new_run, new_jobs = state.start_run(video_id, plan)  # a new attempt took the film over
    assert new_run != old_run
    assert state.begin_job(old_jobs[1]) is None
    assert state.finish_job(early, {}, 1.0).outcome is Finish.GONE
    assert not state.fail(old_run, video_id, "too late")  # the old run cannot fail the new attempt
    assert video_row(services, video_id).status == "processing"
    assert state.begin_job(new_jobs[0]).attempts == 1


def test_chunk_message_for_a_deleted_video_is_dropped(services, staff_client):
    state, video_id, run_id, job_ids = start_run(services)
    assert staff_client.delete(f"/api/admin/videos/{video_id}/").status == 200
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(FanoutJob)) == 0  # cascaded with the video
    handler = load_handler("chunker")
    body = json.dumps({"run": run_id, "job": job_ids[0], "video": video_id})
    assert handler({"Records": [{"messageId": "1", "body": body}]}, None) == {"batchItemFailures": []}


def test_a_long_film_is_fanned_out_without_downloading_the_upload(clip_factory, upload_video, pipeline, services,
                                                                 monkeypatch):
    # The coordinator probes the upload and makes the poster through ranged reads of a presigned
    # URL, as the chunk workers read their chunks: nobody copies the whole film first.
    from videoflix.adapters.s3_storage import S3Storage

    downloads = []
    monkeypatch.setattr(S3Storage, "download", lambda self, bucket, key, destination: downloads.append(key))
    video_id = upload_video(clip_factory(seconds=12, width=640, height=360))["video"]["id"]
    pipeline()
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    assert video.renditions == ["480p", "audio"] and video.thumbnail_key == f"videos/{video_id}/thumbnail.jpg"
    assert video.duration == pytest.approx(12, abs=0.1)
    assert downloads == []


def test_when_the_probe_through_a_url_fails_the_downloaded_copy_is_fanned_out(clip_factory, upload_video,
                                                                              pipeline, services, monkeypatch):
    import av

    from videoflix.pipeline import probe as probing

    def unreachable(url, head, max_duration):
        raise av.error.OSError(111, "Connection refused")
    monkeypatch.setattr(probing, "probe_media_url", unreachable)
    video_id = upload_video(clip_factory(seconds=12, width=640, height=360))["video"]["id"]
    pipeline()
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    assert video.renditions == ["480p", "audio"] and video.thumbnail_key == f"videos/{video_id}/thumbnail.jpg"


def test_a_feature_length_run_queues_every_job_once(services):
    """A long film's job messages go out in parallel batches of ten: all of them, each once. Nine
    batches, the last one short, keep every sender busy (moto slows with the queue's depth, so
    not a 2-hour film's 27)."""
    from videoflix.domain.chunk_messages import ChunkMessage, parse_chunk_message
    from videoflix.adapters.sqs import SQS_BATCH_LIMIT, SQS_PARALLEL_BATCHES

    sent = [ChunkMessage(run_id=5, job_id=job, video_id=9) for job in range(1, 86)]
    assert len(sent) > SQS_PARALLEL_BATCHES * SQS_BATCH_LIMIT
    services.chunk_queue.send(sent)
    sqs = aws_client("sqs", services.settings)
    url = queue_url(services.settings, services.settings.chunk_queue_name)
    received = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            break
        received += [parse_chunk_message(m["Body"]) for m in messages]
    assert sorted(received, key=lambda m: m.job_id) == sent


def fanout_snapshot(services, video_id: int) -> dict:
    """Every column of the video, its run and its jobs, and every media object with its ETag and date."""
    def columns(row) -> dict:
        return {column.key: getattr(row, column.key) for column in type(row).__table__.columns}

    with services.db.session() as session:
        rows = {"video": columns(session.get(Video, video_id)),
                "runs": [columns(r) for r in session.scalars(select(FanoutRun).order_by(FanoutRun.id))],
                "jobs": [columns(j) for j in session.scalars(select(FanoutJob).order_by(FanoutJob.id))]}
    s3 = aws_client("s3", services.settings)
    listed = s3.list_objects_v2(Bucket=services.settings.media_bucket, Prefix=f"videos/{video_id}/")
    rows["objects"] = {o["Key"]: (o["ETag"], o["LastModified"]) for o in listed.get("Contents", [])}
    return rows


def test_a_succeeded_chunk_delivered_again_changes_nothing(clip_factory, upload_video, transcoder, pipeline,
                                                           services, ffmpeg_runs):
    video_id = upload_video(clip_factory(seconds=18, width=640, height=360))["video"]["id"]
    transcoder()  # the coordinator plans the run and queues its jobs; no chunk worker ran yet
    sqs = aws_client("sqs", services.settings)
    queued = sqs.receive_message(QueueUrl=queue_url(services.settings, services.settings.chunk_queue_name),
                                 MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
    with services.db.session() as session:
        video_jobs = set(session.scalars(select(FanoutJob.id).where(FanoutJob.kind == "video")))
    [body, *_] = [m["Body"] for m in queued if json.loads(m["Body"])["job"] in video_jobs]
    job_id = json.loads(body)["job"]
    chunker = load_handler("chunker")

    def deliver(receive_count: int) -> dict:
        return chunker({"Records": [{"messageId": str(receive_count), "body": body,
                                     "attributes": {"ApproximateReceiveCount": str(receive_count)}}]}, None)

    planned, first_encode = fanout_snapshot(services, video_id), len(ffmpeg_runs)
    assert deliver(1) == {"batchItemFailures": []}  # the real worker encodes the chunk and records it
    before, encodes = fanout_snapshot(services, video_id), len(ffmpeg_runs)
    [job] = [j for j in before["jobs"] if j["id"] == job_id]
    assert job["status"] == "done" and job["output"] and before["runs"][0]["jobs_done"] == 1
    assert before["video"]["status"] == "processing" and set(before["objects"]) > set(planned["objects"])
    [chunk_start] = [chunk_number(args) for args in ffmpeg_runs[first_encode:encodes]]
    assert deliver(2) == {"batchItemFailures": []}
    assert len(ffmpeg_runs) == encodes  # no encode again
    assert fanout_snapshot(services, video_id) == before  # no object, count, attempt, lease or progress changed
    # The rest of the run, with the same message's first delivery still queued: it counts nothing either.
    pipeline()
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    assert [chunk_number(args) for args in ffmpeg_runs].count(chunk_start) == 1
