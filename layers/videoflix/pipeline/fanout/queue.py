"""The chunk queue: fan-out job messages out (SQS adapter) and in (pure parsing)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from videoflix.settings import Settings

SQS_BATCH_LIMIT = 10


@dataclass(frozen=True)
class ChunkMessage:
    run_id: int
    job_id: int
    video_id: int

    def to_body(self) -> str:
        return json.dumps({"run": self.run_id, "job": self.job_id, "video": self.video_id})


class MalformedChunkMessage(ValueError):
    pass


def parse_chunk_message(body: str) -> ChunkMessage:
    try:
        data = json.loads(body)
        values = [data[name] for name in ("run", "job", "video")]
    except (ValueError, TypeError, KeyError):
        raise MalformedChunkMessage("not a chunk job message") from None
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
        raise MalformedChunkMessage("chunk job ids must be positive integers")
    return ChunkMessage(*values)


class SqsChunkQueue:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, messages: list[ChunkMessage]) -> None:
        from videoflix.aws import aws_client, queue_url

        sqs = aws_client("sqs", self.settings)
        url = queue_url(self.settings, self.settings.chunk_queue_name)
        for start in range(0, len(messages), SQS_BATCH_LIMIT):
            batch = messages[start:start + SQS_BATCH_LIMIT]
            answer: dict[str, Any] = sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(index), "MessageBody": m.to_body()} for index, m in enumerate(batch)])
            if answer.get("Failed"):
                # Raising makes the coordinator's message come back: the next attempt replaces this run.
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} chunk job(s): {answer['Failed'][0]}")
