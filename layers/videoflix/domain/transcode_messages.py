"""S3 ObjectCreated notifications as they arrive through SQS: parsed, and built for a transcode asked again."""
from __future__ import annotations

import json
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
