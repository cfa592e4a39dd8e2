"""The SQS adapters of the queue ports (videoflix.domain.ports): the only code that sends to SQS.

boto3 is imported on the first send, never at import: the API functions build these at cold
start without paying for the SDK.
"""
from __future__ import annotations

from typing import Any, Sequence

from videoflix.adapters.aws import aws_client, queue_url
from videoflix.domain.transcode_messages import av1_message, poster_message, transcode_request
from videoflix.settings import Settings

SQS_BATCH_LIMIT = 10
SQS_PARALLEL_BATCHES = 8


class SqsQueue:
    """One queue, by name; its URL is looked up (and cached) on the first send."""
    def __init__(self, settings: Settings, queue_name: str) -> None:
        self._settings = settings
        self.queue_name = queue_name

    def send(self, body: str) -> None:
        aws_client("sqs", self._settings).send_message(
            QueueUrl=queue_url(self._settings, self.queue_name), MessageBody=body)

    def send_batch(self, bodies: Sequence[str]) -> None:
        """Send in batches of ten; raises if SQS refuses any entry (the caller's message then comes back)."""
        sqs = aws_client("sqs", self._settings)
        url = queue_url(self._settings, self.queue_name)

        def send(batch: Sequence[str]) -> None:
            answer: dict[str, Any] = sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(index), "MessageBody": body} for index, body in enumerate(batch)])
            if answer.get("Failed"):
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} message(s) on {self.queue_name}: "
                                   f"{answer['Failed'][0]}")
        batches = [bodies[start:start + SQS_BATCH_LIMIT] for start in range(0, len(bodies), SQS_BATCH_LIMIT)]
        if len(batches) <= 1:
            for batch in batches:
                send(batch)
            return
        # A 4-hour film queues over 500 jobs: one round trip per ten of them, one after the
        # other, would add seconds to its time-to-ready. boto3 clients are thread-safe.

        from concurrent.futures import ThreadPoolExecutor  # threads for the fan-out's batches only

        with ThreadPoolExecutor(max_workers=min(SQS_PARALLEL_BATCHES, len(batches))) as pool:
            for sent in [pool.submit(send, batch) for batch in batches]:
                sent.result()  # raises the first refusal


class SqsTranscodeQueue:
    """The transcode queue: one message per request, shaped like S3's own notification."""
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._queue = SqsQueue(settings, settings.transcode_queue_name)

    def request(self, source_key: str, size: int | None, cause: str) -> None:
        self._queue.send(transcode_request(self._settings.upload_bucket, source_key, size, cause))

    def request_poster(self, video_id: int, at_seconds: float) -> None:
        self._queue.send(poster_message(video_id, at_seconds))


class SqsChunkQueue:
    """The fan-out's chunk queue."""
    def __init__(self, settings: Settings) -> None:
        self._queue = SqsQueue(settings, settings.chunk_queue_name)

    def send(self, messages) -> None:
        # Raising makes the coordinator's message come back: the next attempt replaces this run.
        self._queue.send_batch([message.to_body() for message in messages])


class SqsAv1Queue:
    """The AV1 queue: a ready film's AV1 job, or its AV1 chunk jobs (AV1_QUEUE_NAME)."""
    def __init__(self, settings: Settings) -> None:
        self._queue = SqsQueue(settings, settings.av1_queue_name)

    def request_av1(self, video_id: int) -> None:
        self._queue.send(av1_message(video_id))

    def send_av1_chunks(self, video_id: int, chunks: Sequence[int]) -> None:
        self._queue.send_batch([av1_message(video_id, chunk) for chunk in chunks])


class SqsQueueAdmin:
    """What the staff console does with the queues (videoflix.staff.queues): counts, dead-letter
    lookups, moving messages back. boto3 is loaded on the first call."""

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self._settings = settings
        self._client = client

    @property
    def _sqs(self) -> Any:
        if self._client is None:
            self._client = aws_client("sqs", self._settings)
        return self._client

    def url(self, queue_name: str) -> str:
        return self._sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]

    def attributes(self, url: str, *names: str) -> dict[str, str]:
        return self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(names))["Attributes"]

    def receive(self, url: str, count: int, visibility_timeout: int) -> list[dict[str, Any]]:
        return self._sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count, WaitTimeSeconds=0,
                                         VisibilityTimeout=visibility_timeout,
                                         MessageAttributeNames=["All"]).get("Messages", [])

    def move(self, message: dict[str, Any], from_url: str, to_url: str) -> None:
        """Send the received `message` to `to_url`, then delete it from `from_url`: a failure in
        between duplicates it, never loses it."""
        extra = {"MessageAttributes": message["MessageAttributes"]} if message.get("MessageAttributes") else {}
        self._sqs.send_message(QueueUrl=to_url, MessageBody=message["Body"], **extra)
        self._sqs.delete_message(QueueUrl=from_url, ReceiptHandle=message["ReceiptHandle"])
