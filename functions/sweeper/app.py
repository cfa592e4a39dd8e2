"""Sweeper function (scheduled): requeues or fails stale transcode leases, deletes orphaned media output."""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.observability.logs import configure_logging, logged_invocation
    from videoflix.snapstart import prepare_snapshot
    from videoflix.services import get_services
    from videoflix.pipeline.sweeper import sweep


configure_logging()  # JSON lines with the request id (docs/operations.md)
prepare_snapshot(preload=("pg8000", "boto3"))  # SnapStart: videoflix/snapstart.py, docs/deploy.md


@logged_invocation
def handler(event, context):
    return sweep(get_services())
