"""AV1 work has a queue of its own (AV1_QUEUE_NAME), consumed by the chunk worker with fewer instances at once
(template.yaml Av1WorkerMaxConcurrency): a ready film's AV1 job and a long film's AV1 chunks never sit on the
transcode or chunk queue, so another film's transcode and H.264 chunks never wait behind them (issue 23,
"ready stays when it is today"). moto SQS/S3, real FFmpeg on tiny clips, PostgreSQL."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.integration.videos.test_av1_ladder import av1_row
from tests.support.videos import video_row
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import utcnow
from videoflix_tools.dev.pump import QueuePump
from videoflix.pipeline.sweeper import Sweeper

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings, request):
    """AV1 on at the fastest preset; a test named `test_av1_chunks_...` gets fanned-out films whose AV1 ladder
    is chunked (6 s AV1 chunks from 1 s on)."""
    chunked = dict(av1_chunk_min_duration=1, av1_chunk_seconds=6, fanout_min_duration=1, fanout_chunk_seconds=6) \
        if request.node.name.startswith("test_av1_chunks_") else {}
    return settings.with_overrides(av1_ladder=True, av1_preset=12, **chunked)


@pytest.fixture
def h264_only(services, transcode_binding, chunk_binding):
    """The transcoder and the H.264 chunk workers alone (the AV1 queue's workers all busy elsewhere)."""
    pump = QueuePump(aws_client("sqs", services.settings), [transcode_binding, chunk_binding],
                     services.settings.aws_region)

    def run() -> None:
        while pump.drain(transcode_binding) + pump.drain(chunk_binding):
            pass
    return run


def depth(services, queue_name: str) -> int:
    attributes = aws_client("sqs", services.settings).get_queue_attributes(
        QueueUrl=queue_url(services.settings, queue_name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def av1_queue_jobs(services) -> list[tuple[int, int | None]]:
    """(video id, chunk) of every message on the AV1 queue, left there (received with no visibility timeout)."""
    messages = aws_client("sqs", services.settings).receive_message(
        QueueUrl=queue_url(services.settings, services.settings.av1_queue_name), MaxNumberOfMessages=10,
        VisibilityTimeout=0).get("Messages", [])
    bodies = [json.loads(m["Body"]) for m in messages]
    assert {b["kind"] for b in bodies} <= {"av1"}
    return sorted((b["video_id"], b.get("chunk")) for b in bodies)


def test_a_ready_films_av1_job_is_queued_on_the_av1_queue_alone(clip_factory, upload_video, transcoder, pipeline,
                                                                services):
    settings = services.settings
    video_id = upload_video(clip_factory(seconds=2, width=320, height=180))["video"]["id"]
    transcoder()  # the transcoder alone: the film is ready, its AV1 job waits for the chunk workers
    assert video_row(services, video_id).status == "ready" and av1_row(services, video_id).status == "queued"
    assert av1_queue_jobs(services) == [(video_id, None)]
    assert depth(services, settings.transcode_queue_name) == depth(services, settings.chunk_queue_name) == 0

    # The message is lost: the sweeper's one goes to the AV1 queue too.
    aws_client("sqs", settings).purge_queue(QueueUrl=queue_url(settings, settings.av1_queue_name))
    later = utcnow() + timedelta(seconds=settings.transcode_time_budget + 300)
    assert Sweeper(services).run(now=later).av1_requeued == [video_id]
    assert av1_queue_jobs(services) == [(video_id, None)]
    assert depth(services, settings.transcode_queue_name) == depth(services, settings.chunk_queue_name) == 0

    pipeline()  # the chunk worker encodes it from the AV1 queue
    job = av1_row(services, video_id)
    assert (job.status, job.renditions) == ("ready", ["av1-480p"])
    assert depth(services, settings.av1_queue_name) == 0


def test_av1_chunks_wait_on_their_own_queue_while_a_new_upload_is_made_ready(clip_factory, upload_video, h264_only,
                                                                             pipeline, services):
    settings = services.settings
    first = upload_video(clip_factory(seconds=13, width=320, height=180), title="Long")["video"]["id"]
    h264_only()
    assert video_row(services, first).status == "ready"
    assert av1_queue_jobs(services) == [(first, 0), (first, 1)]  # two AV1 chunks, none on the chunk queue
    assert depth(services, settings.chunk_queue_name) == depth(services, settings.transcode_queue_name) == 0

    # A second upload's transcode and H.264 chunks run while the first film's AV1 chunks still wait.
    second = upload_video(clip_factory(seconds=2, width=320, height=180), title="Next")["video"]["id"]
    h264_only()
    assert video_row(services, second).status == "ready"
    assert av1_row(services, first).status in ("queued", "encoding")  # not one AV1 chunk encoded yet
    assert av1_queue_jobs(services) == [(first, 0), (first, 1), (second, 0)]

    pipeline()  # the AV1 queue's workers: both films' AV1 ladders join their masters
    assert av1_row(services, first).status == av1_row(services, second).status == "ready"
    assert depth(services, settings.av1_queue_name) == 0
