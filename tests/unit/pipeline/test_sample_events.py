"""The sample events in `events/` (used for local invokes) parse as the transcoder expects."""
import json
from types import SimpleNamespace

import pytest

from videoflix.domain.transcode_messages import UploadedObject, parse_upload_notification
from videoflix.pipeline.transcode import TranscodeJob
from videoflix_tools.functions import PROJECT_ROOT


def load_event(name: str) -> dict:
    return json.loads((PROJECT_ROOT / "events" / f"{name}.json").read_text())


@pytest.mark.parametrize("name", ["sqs_s3_upload", "sqs_s3_test_event"])
def test_sample_is_an_sqs_batch_as_lambda_delivers_it(name):
    import hashlib

    [record] = load_event(name)["Records"]
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":videoflix-transcode")
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()


def test_upload_sample_announces_a_decoded_upload_key():
    [record] = load_event("sqs_s3_upload")["Records"]
    assert parse_upload_notification(record["body"]) == [
        UploadedObject("videoflix-uploads", "uploads/1/my first film(final).mp4", 157286400)]


def test_test_event_sample_is_acknowledged_without_work(settings):
    job = TranscodeJob(SimpleNamespace(settings=settings))  # no database: nothing may be claimed
    assert job.handle_batch(load_event("sqs_s3_test_event")) == {"batchItemFailures": []}


def test_chunk_job_sample_is_a_chunk_queue_batch():
    import hashlib

    from videoflix.domain.chunk_messages import ChunkMessage, parse_chunk_message

    [record] = load_event("sqs_chunk_job")["Records"]
    assert record["eventSourceARN"].endswith(":videoflix-transcode-chunks")
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()
    assert parse_chunk_message(record["body"]) == ChunkMessage(run_id=1, job_id=1, video_id=1)
