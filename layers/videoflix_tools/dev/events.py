"""The dev stack's view of the event bus: a rule sends every videoflix event to a queue, and
`GET /dev/events` drains that queue into the list it shows (oldest first)."""
from __future__ import annotations

import json
import threading
from collections import deque
from typing import Any

from videoflix.adapters.aws import aws_client
from videoflix.domain.video_events import SOURCE
from videoflix.settings import Settings
from videoflix_tools.bootstrap import ensure_event_bus

RULE_NAME = "videoflix-dev-event-log"
KEPT = 200


def route_events_to_queue(settings: Settings, queue_name: str, rule_name: str = RULE_NAME) -> str:
    """A rule on the bus sending every `videoflix` event to the queue `queue_name` (made if absent); its URL."""
    sqs, events = aws_client("sqs", settings), aws_client("events", settings)
    ensure_event_bus(settings)
    url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule_arn = events.put_rule(Name=rule_name, EventBusName=settings.event_bus_name,
                               EventPattern=json.dumps({"source": [SOURCE]}), State="ENABLED")["RuleArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                       "Action": "sqs:SendMessage", "Resource": queue_arn,
                       "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
    events.put_targets(Rule=rule_name, EventBusName=settings.event_bus_name,
                       Targets=[{"Id": "queue", "Arn": queue_arn}])
    return url


def receive_events(settings: Settings, url: str, wait: int = 0) -> list[dict[str, Any]]:
    """Every event waiting in the queue at `url` (deleted once read)."""
    sqs = aws_client("sqs", settings)
    found = []
    while True:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait)
        messages = answer.get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        wait = 0


class DevEventLog:
    """The last KEPT events of the bus, as `GET /dev/events` shows them."""
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = route_events_to_queue(settings, f"{settings.event_bus_name}-dev-log")
        self._events: deque[dict[str, Any]] = deque(maxlen=KEPT)
        self._lock = threading.Lock()

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            for event in receive_events(self.settings, self.url):
                self._events.append({key: event.get(key) for key in ("time", "source", "detail-type", "detail")})
            return list(self._events)
