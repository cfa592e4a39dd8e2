"""Insights aggregator function: SQS batches of players' playback events in, rollups per film and hour out."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.observability.logs import configure_logging, logged_invocation
    from videoflix.pipeline.insights import fold_playback_batches
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services


configure_logging()  # JSON lines with the request id (docs/operations.md)
prepare_snapshot(preload=("pg8000",))  # SnapStart: videoflix/snapstart.py, docs/deploy.md


@logged_invocation
def handler(event, context):
    return fold_playback_batches(event, get_services())
