"""Transcoder function (container image): SQS-wrapped S3 upload events in, HLS ladders out."""
import logging

from videoflix.services import get_services
from videoflix.videos.transcode import transcode_batch

logging.getLogger().setLevel(logging.INFO)


def handler(event, context):
    return transcode_batch(event, get_services())
