"""The chunk queue's messages: built and parsed (pure; the SQS adapter is videoflix.adapters.sqs.SqsChunkQueue)."""
from __future__ import annotations

import json
from dataclasses import dataclass


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
