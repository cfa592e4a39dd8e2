"""The EventBridge adapter of the events port (videoflix.domain.ports.EventPublisher): PutEvents on EVENT_BUS_NAME.

boto3 is imported on the first event, never at import. An empty EVENT_BUS_NAME publishes nothing.
"""
from __future__ import annotations

import json

from videoflix.adapters.aws import aws_client
from videoflix.settings import Settings


class EventBridgePublisher:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def publish(self, event) -> None:
        bus = self._settings.event_bus_name
        if not bus:
            return

        answer = aws_client("events", self._settings).put_events(Entries=[{
            "EventBusName": bus, "Source": event.source, "DetailType": event.detail_type,
            "Detail": json.dumps(event.detail)}])
        if answer.get("FailedEntryCount"):
            entry = next((e for e in answer.get("Entries", []) if e.get("ErrorCode")), {})
            raise RuntimeError(f"EventBridge refused {event.detail_type!r}: {entry.get('ErrorCode')} "
                               f"{entry.get('ErrorMessage')}")
