"""Transcoder function (container image): SQS-wrapped S3 upload events in, HLS ladders out.

The same image also runs the chunk worker of long films (`chunk_handler`, docs/fanout.md).
"""
from videoflix.coldstart import collector_paused

with collector_paused():  # a sixth less cold start: see videoflix.coldstart
    import logging

    from videoflix.services import get_services
    from videoflix.pipeline.fanout.worker import chunk_batch
    from videoflix.pipeline.transcode import transcode_batch

logging.getLogger().setLevel(logging.INFO)


def handler(event, context):
    return transcode_batch(event, get_services())


def chunk_handler(event, context):
    """The chunk worker: the same image, started with this handler for the chunk queue."""
    return chunk_batch(event, get_services())
