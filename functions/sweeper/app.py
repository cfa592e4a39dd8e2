"""Sweeper function (scheduled): requeues or fails stale transcode leases, deletes orphaned media output."""
from videoflix.services import get_services
from videoflix.videos.sweeper import sweep


def handler(event, context):
    return sweep(get_services())
