"""Transcoder function (container image): SQS-wrapped S3 upload events in, HLS ladders out.

The same image also runs the chunk worker of long films (`chunk_handler`, docs/fanout.md).
"""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    from videoflix.observability.logs import configure_logging, logged_invocation
    from videoflix.services import get_services
    from videoflix.pipeline.fanout.worker import chunk_batch
    from videoflix.pipeline.transcode import transcode_batch

configure_logging()  # JSON lines with the request id (docs/operations.md)


@logged_invocation
def handler(event, context):
    return transcode_batch(event, get_services())


@logged_invocation
def chunk_handler(event, context):
    """The chunk worker: the same image, started with this handler for the chunk queue."""
    return chunk_batch(event, get_services())
