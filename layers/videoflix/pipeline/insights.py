"""The insights aggregator: playback-event batches from SQS folded into the rollups (videoflix.domain.insights).

Each record is folded in a transaction of its own: its (view, seq) claim commits with what it
adds, so a redelivered record (SQS is at least once) adds nothing, and a failed one (the database
down, two aggregators creating the same view at once) leaves nothing behind and comes back
(partial batch response). A record that can never be folded (not a playback message, its film
deleted since) is logged and dropped, not retried. Fleet-wide figures go out as EMF metrics
(videoflix.observability.metrics).
"""
from __future__ import annotations

import logging
from typing import Any

from videoflix.adapters.sqs_batch import process_sqs_batch
from videoflix.db.insights import SqlInsightsStore, durations
from videoflix.domain.insights import Rollup, fold_batch
from videoflix.domain.playback_events import BatchMessage, parse_message
from videoflix.observability import metrics
from videoflix.services import Services

log = logging.getLogger("videoflix.insights")


def fold_playback_batches(event: dict[str, Any], services: Services) -> dict[str, Any]:
    """The aggregator function's body: {"batchItemFailures": [...]} as Lambda expects."""
    records = event.get("Records") or []
    messages: dict[str, BatchMessage] = {}
    for record in records:
        try:
            messages[record.get("messageId")] = parse_message(record.get("body") or "")
        except ValueError as exc:
            log.warning("dropping playback message %s: %s", record.get("messageId"), exc)
    with services.db.session() as session:
        known = durations(session, (message.batch.video_id for message in messages.values()))
    folded: list[tuple[BatchMessage, Rollup]] = []

    def fold(record: dict[str, Any]) -> None:
        message = messages.get(record.get("messageId"))
        if message is None:
            return
        if message.batch.video_id not in known:
            log.info("dropping a playback batch of video %s: the film is gone", message.batch.video_id)
            return
        with services.db.session() as session:
            added = fold_batch(SqlInsightsStore(session), message, known[message.batch.video_id])
        if added is not None:
            folded.append((message, added))

    result = process_sqs_batch(event, fold)
    emit_fleet_metrics([added for _, added in folded], [message for message, _ in folded])
    return result


def emit_fleet_metrics(added: list[Rollup], messages: list[BatchMessage]) -> None:
    """What these batches added, fleet-wide: every startup time (CloudWatch takes the p95), the sums."""
    if not added:
        return
    startups = [event.ms for message in messages for event in message.batch.events if event.type == "startup"]
    total = Rollup()
    for rollup in added:
        total = total.add(rollup)
    values: dict[str, Any] = {metrics.WATCHED_SECONDS: total.watched_seconds,
                              metrics.STALLED_SECONDS: total.stalled_seconds,
                              metrics.PLAYBACK_VIEWS: total.views, metrics.FAILED_VIEWS: total.failed_views}
    if startups:
        values[metrics.STARTUP_TIME] = startups
    metrics.emit_values(values)


