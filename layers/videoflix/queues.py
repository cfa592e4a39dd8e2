"""The SQS adapters of the queue ports (videoflix.ports): the only code that sends to SQS.

boto3 is imported on the first send, never at import: the API functions build these at cold
start without paying for the SDK.
"""
from __future__ import annotations

from typing import Any, Sequence

from videoflix.settings import Settings

SQS_BATCH_LIMIT = 10


class SqsQueue:
    """One queue, by name; its URL is looked up (and cached) on the first send."""

    def __init__(self, settings: Settings, queue_name: str) -> None:
        self._settings = settings
        self.queue_name = queue_name

    def send(self, body: str) -> None:
        from videoflix.aws import aws_client, queue_url

        aws_client("sqs", self._settings).send_message(
            QueueUrl=queue_url(self._settings, self.queue_name), MessageBody=body)

    def send_batch(self, bodies: Sequence[str]) -> None:
        """Send in batches of ten; raises if SQS refuses any entry (the caller's message then comes back)."""
        from videoflix.aws import aws_client, queue_url

        sqs = aws_client("sqs", self._settings)
        url = queue_url(self._settings, self.queue_name)
        for start in range(0, len(bodies), SQS_BATCH_LIMIT):
            batch = bodies[start:start + SQS_BATCH_LIMIT]
            answer: dict[str, Any] = sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(index), "MessageBody": body} for index, body in enumerate(batch)])
            if answer.get("Failed"):
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} message(s) on {self.queue_name}: "
                                   f"{answer['Failed'][0]}")


class SqsTranscodeQueue:
    """The transcode queue: one message per request, shaped like S3's own notification."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._queue = SqsQueue(settings, settings.transcode_queue_name)

    def request(self, source_key: str, size: int | None, cause: str) -> None:
        from videoflix.pipeline.events import transcode_request

        self._queue.send(transcode_request(self._settings.upload_bucket, source_key, size, cause))


class SqsChunkQueue:
    """The fan-out's chunk queue."""

    def __init__(self, settings: Settings) -> None:
        self._queue = SqsQueue(settings, settings.chunk_queue_name)

    def send(self, messages) -> None:
        # Raising makes the coordinator's message come back: the next attempt replaces this run.
        self._queue.send_batch([message.to_body() for message in messages])
