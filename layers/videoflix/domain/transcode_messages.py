"""The transcode queue's messages: S3 ObjectCreated notifications as they arrive through SQS (parsed, and
built for a transcode asked again), poster jobs (a frame staff chose) and AV1 jobs (a ready film's AV1
ladder)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import quote_plus, unquote_plus


@dataclass(frozen=True)
class UploadedObject:
    bucket: str
    key: str
    size: int | None = None


class MalformedEvent(ValueError):
    pass


def transcode_request(bucket: str, key: str, size: int | None, cause: str) -> str:
    """A transcode queue message shaped like S3's notification (`ObjectCreated:<cause>`), so the
    transcoder has one code path for uploads, the admin's retry and the sweeper's requeue."""
    return json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": f"ObjectCreated:{cause}",
                                    "s3": {"bucket": {"name": bucket},
                                           "object": {"key": quote_plus(key), "size": size}}}]})


def parse_upload_notification(body: str) -> list[UploadedObject]:
    """The objects an SQS message body announces; [] for S3's `s3:TestEvent`.

    S3 sends keys URL-encoded with `+` for spaces (`quote_plus`), so they are decoded here.
    """
    try:
        message = json.loads(body)
    except ValueError:
        raise MalformedEvent("message body is not JSON") from None
    if not isinstance(message, dict):
        raise MalformedEvent("message body is not a JSON object")
    if message.get("Event") == "s3:TestEvent":
        return []
    records = message.get("Records")
    if not isinstance(records, list):
        raise MalformedEvent("message has no Records list")
    objects = []
    for record in records:
        if not isinstance(record, dict) or not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        try:
            bucket = record["s3"]["bucket"]["name"]
            raw_key = record["s3"]["object"]["key"]
            size = record["s3"]["object"].get("size")
        except (KeyError, TypeError, AttributeError):
            raise MalformedEvent("record lacks s3.bucket.name or s3.object.key") from None
        if not isinstance(bucket, str) or not isinstance(raw_key, str):
            raise MalformedEvent("s3.bucket.name and s3.object.key must be strings")
        if isinstance(size, bool) or not isinstance(size, int):
            size = None  # informative only; S3 always sends a whole number
        objects.append(UploadedObject(bucket, unquote_plus(raw_key), size))
    return objects


# -- the poster job: a frame staff chose, queued on the transcode queue ---------------------------------------------------------
POSTER_KIND = "poster"


@dataclass(frozen=True)
class PosterJob:
    video_id: int
    at_seconds: float


def poster_message(video_id: int, at_seconds: float) -> str:
    return json.dumps({"kind": POSTER_KIND, "video_id": video_id, "at_seconds": at_seconds})


def parse_poster_job(body: str) -> PosterJob | None:
    """The poster job a message body holds; None for anything else (S3 notifications).

    A poster message without a usable id or second raises ValueError: it fails, and rests in the
    dead-letter queue.
    """
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("kind") != POSTER_KIND:
        return None
    video_id, at = message.get("video_id"), message.get("at_seconds")
    if isinstance(video_id, bool) or not isinstance(video_id, int) or video_id <= 0 \
            or isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at) or at < 0:
        raise ValueError(f"malformed poster job: {body[:200]!r}")
    return PosterJob(video_id, float(at))


# -- the AV1 job: a ready film's AV1 ladder, queued on the transcode queue when it is published ----------------------------------
AV1_KIND = "av1"


@dataclass(frozen=True)
class Av1Job:
    video_id: int
    chunk: int | None = None  # a chunk job of a long film's AV1 ladder (pipeline/av1_chunks.py); None: the whole


def av1_message(video_id: int, chunk: int | None = None) -> str:
    body = {"kind": AV1_KIND, "video_id": video_id}
    if chunk is not None:
        body["chunk"] = chunk
    return json.dumps(body)


def parse_av1_job(body: str) -> Av1Job | None:
    """The AV1 job a message body holds; None for anything else. One without a usable id raises ValueError."""
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if not isinstance(message, dict) or message.get("kind") != AV1_KIND:
        return None
    video_id, chunk = message.get("video_id"), message.get("chunk")
    if isinstance(video_id, bool) or not isinstance(video_id, int) or video_id <= 0:
        raise ValueError(f"malformed AV1 job: {body[:200]!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 0):
        raise ValueError(f"malformed AV1 chunk job: {body[:200]!r}")
    return Av1Job(video_id, chunk)
