"""Processing an SQS batch the way Lambda's partial batch responses expect."""
from __future__ import annotations

import logging
from typing import Any, Callable

log = logging.getLogger("videoflix.sqs")


def process_sqs_batch(event: dict[str, Any], process_record: Callable[[dict[str, Any]], None]) -> dict:
    """Run `process_record` on each record; failed ones are reported for redelivery."""
    failures = []
    for record in event.get("Records") or []:
        try:
            process_record(record)
        except Exception:
            # Any failure means "retry this message"; SQS redrives it to the DLQ in the end.
            log.exception("record %s failed", record.get("messageId"))
            failures.append({"itemIdentifier": record.get("messageId")})
    return {"batchItemFailures": failures}
