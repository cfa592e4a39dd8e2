"""The insights aggregator: playback-event batches from SQS folded into the rollups (videoflix.domain.insights).

A record's (view, seq) claim commits in the transaction that adds what it carries, so a
redelivered record (SQS is at least once) adds nothing, and a failed one (the database down, two
aggregators creating the same view at once) leaves nothing behind and comes back (partial batch
response). A record that can never be folded (not a playback message, its film
deleted since) is logged and dropped, not retried. Fleet-wide figures go out as EMF metrics
(videoflix.observability.metrics).
"""
from __future__ import annotations

import logging
from typing import Any

from videoflix.adapters.sqs_batch import process_sqs_batch
from videoflix.db.insights import SqlInsightsStore, durations
from videoflix.domain.insights import BufferedRollups, Rollup, fold_batch
from videoflix.domain.playback_events import BatchMessage, parse_message
from videoflix.observability import metrics
from videoflix.services import Services

log = logging.getLogger("videoflix.insights")


def fold_playback_batches(event: dict[str, Any], services: Services) -> dict[str, Any]:
    """The aggregator function's body: {"batchItemFailures": [...]} as Lambda expects.

    The whole SQS batch is folded in one transaction, each rollup row written once with the sum of
    its records' additions (BufferedRollups). Should that transaction fail (two aggregators creating
    the same view at once, a deadlock), each record is folded again in a transaction of its own, and
    only the records that fail again come back.
    """
    records = event.get("Records") or []
    messages: dict[str, BatchMessage] = {}
    for record in records:
        try:
            messages[record.get("messageId")] = parse_message(record.get("body") or "")
        except ValueError as exc:
            log.warning("dropping playback message %s: %s", record.get("messageId"), exc)
    with services.db.session() as session:
        known = durations(session, (message.batch.video_id for message in messages.values()))
    foldable = [message for message in messages.values() if message.batch.video_id in known]
    if len(foldable) < len(messages):
        log.info("dropping %d playback batch(es): their film is gone", len(messages) - len(foldable))
    folded: list[tuple[BatchMessage, Rollup]] = []
    try:
        with services.db.session() as session:
            buffered = BufferedRollups(SqlInsightsStore(session))
            for message in foldable:
                added = fold_batch(buffered, message, known[message.batch.video_id])
                if added is not None:
                    folded.append((message, added))
            buffered.flush()
        result: dict[str, Any] = {"batchItemFailures": []}
    except Exception:
        log.warning("folding %d playback batches together failed; one at a time now", len(foldable), exc_info=True)
        folded.clear()

        def fold(record: dict[str, Any]) -> None:
            message = messages.get(record.get("messageId"))
            if message is None or message.batch.video_id not in known:
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


