"""The queue pump: feeds SQS messages to function handlers as Lambda's event source mapping does.

A batch goes in as an SQS event; the ids in `batchItemFailures` (or the whole batch if the
handler raises) stay on the queue and come back after a short delay, so SQS counts receives
and finally moves the message to the dead-letter queue.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable

log = logging.getLogger("videoflix.pump")


@dataclass
class QueueBinding:
    queue_url: str
    queue_arn: str
    handler: Callable[[dict, Any], dict | None]
    batch_size: int = 10
    visibility_timeout: int = 900
    retry_delay: int = 1


def to_sqs_event(messages: list[dict], queue_arn: str, region: str) -> dict:
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": region,
    } for m in messages]}


class QueuePump:
    def __init__(self, sqs: Any, bindings: list[QueueBinding], region: str) -> None:
        self._sqs = sqs
        self._bindings = bindings
        self._region = region
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def poll_once(self, binding: QueueBinding, wait_seconds: int = 0) -> int:
        """Deliver one batch; returns the number of messages delivered."""
        answer = self._sqs.receive_message(
            QueueUrl=binding.queue_url, MaxNumberOfMessages=binding.batch_size,
            WaitTimeSeconds=wait_seconds, VisibilityTimeout=binding.visibility_timeout,
            AttributeNames=["All"], MessageAttributeNames=["All"])
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        event = to_sqs_event(messages, binding.queue_arn, self._region)
        try:
            result = binding.handler(event, None) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        except Exception:
            log.exception("handler failed for a whole batch from %s", binding.queue_url)
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] in failed:
                self._sqs.change_message_visibility(QueueUrl=binding.queue_url,
                                                   ReceiptHandle=message["ReceiptHandle"],
                                                   VisibilityTimeout=binding.retry_delay)
            else:
                self._sqs.delete_message(QueueUrl=binding.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def drain(self, binding: QueueBinding, max_batches: int = 100) -> int:
        """Deliver until the queue answers empty (tests use it for determinism)."""
        total = 0
        for _ in range(max_batches):
            delivered = self.poll_once(binding)
            if not delivered:
                break
            total += delivered
        return total

    def start(self) -> None:
        for binding in self._bindings:
            thread = threading.Thread(target=self._loop, args=(binding,), daemon=True,
                                      name=f"pump-{binding.queue_url.rsplit('/', 1)[-1]}")
            thread.start()
            self._threads.append(thread)

    def _loop(self, binding: QueueBinding) -> None:
        while not self._stop.is_set():
            try:
                if not self.poll_once(binding, wait_seconds=1):
                    self._stop.wait(0.2)
            except Exception:
                log.exception("queue pump error on %s; retrying", binding.queue_url)
                self._stop.wait(2)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
