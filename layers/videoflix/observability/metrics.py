"""CloudWatch metrics without an SDK: embedded metric format (EMF) lines on standard output.

Lambda sends standard output to CloudWatch Logs, which turns each line shaped as below into
metric data points (no PutMetricData call, no permission, no latency):

    {"_aws": {"Timestamp": 1764000000000, "CloudWatchMetrics": [{"Namespace": "Videoflix",
      "Dimensions": [["Path"]], "Metrics": [{"Name": "VideosReady", "Unit": "Count"}]}]},
     "Path": "single", "VideosReady": 1}

`metric_document` is the pure builder, `emit` prints one line. The metrics (docs/operations.md):
"""
from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, Mapping

from videoflix.observability.logs import current_context

NAMESPACE = "Videoflix"

# name -> unit; every metric Videoflix emits, named once.
TRANSCODE_SECONDS_PER_FILM_SECOND = "TranscodeSecondsPerFilmSecond"  # dimension Path: single | fanout
VIDEOS_READY = "VideosReady"  # dimension Path
VIDEOS_FAILED = "VideosFailed"  # dimension Stage: transcode | chunk | sweeper | upload
CHUNK_RETRIES = "ChunkRetries"
MAIL_SENT = "MailSent"
MAIL_FAILED = "MailFailed"
LOGIN_FAILURES = "LoginFailures"
THROTTLED = "Throttled"  # dimension Action: login | register | password_reset (answered 429)
EXPIRED_LEASES = "ExpiredLeases"  # no dimension: the alarm's metric
# Playback insights, fleet-wide (no dimension), emitted by the aggregator for each batch of batches:
# StartupTime carries every startup as a value, so CloudWatch's p95 statistic is the fleet's p95;
# the rebuffer ratio is StalledSeconds / WatchedSeconds and the failure rate FailedViews /
# PlaybackViews (metric math over the sums; the alarm in template.yaml uses it).
STARTUP_TIME = "StartupTime"
WATCHED_SECONDS = "WatchedSeconds"
STALLED_SECONDS = "StalledSeconds"
PLAYBACK_VIEWS = "PlaybackViews"
FAILED_VIEWS = "FailedViews"
UNITS = {TRANSCODE_SECONDS_PER_FILM_SECOND: "None", VIDEOS_READY: "Count", VIDEOS_FAILED: "Count",
         CHUNK_RETRIES: "Count", MAIL_SENT: "Count", MAIL_FAILED: "Count", LOGIN_FAILURES: "Count",
         THROTTLED: "Count", EXPIRED_LEASES: "Count", STARTUP_TIME: "Milliseconds", WATCHED_SECONDS: "Seconds",
         STALLED_SECONDS: "Seconds", PLAYBACK_VIEWS: "Count", FAILED_VIEWS: "Count"}
EMF_MAX_VALUES = 100  # values one metric may carry in one EMF document


def metric_document(values: Mapping[str, float | list[float]], dimensions: Mapping[str, str] | None = None,
                    timestamp_ms: int | None = None, properties: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One EMF document: the metrics `values` (names of UNITS) under one dimension set."""
    dimensions = dict(dimensions or {})
    unknown = [name for name in values if name not in UNITS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; add them to UNITS")
    document: dict[str, Any] = dict(properties or {})
    document["_aws"] = {
        "Timestamp": int(time.time() * 1000) if timestamp_ms is None else timestamp_ms,
        "CloudWatchMetrics": [{"Namespace": NAMESPACE, "Dimensions": [sorted(dimensions)],
                               "Metrics": [{"Name": name, "Unit": UNITS[name]} for name in values]}],
    }
    document.update({name: str(value) for name, value in dimensions.items()})
    document.update({name: _value(value) for name, value in values.items()})
    return document


def _value(value: float | list[float]) -> Any:
    if isinstance(value, list):  # several data points of one metric (EMF allows up to 100)
        return [_value(item) for item in value[:EMF_MAX_VALUES]]
    return float(value) if not isinstance(value, int) else value


def emit(name: str, value: float = 1, **dimensions: str) -> None:
    """Print one EMF line for metric `name`; a metric never breaks the work it measures."""
    emit_values({name: value}, **dimensions)


def emit_values(values: Mapping[str, float | list[float]], **dimensions: str) -> None:
    """Print one EMF line with several metrics (a list: several data points); never raises."""
    if not values:
        return
    name = ", ".join(values)
    properties = {key: val for key, val in current_context().items() if val is not None}
    try:
        line = json.dumps(metric_document(values, dimensions, properties=properties))
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except Exception:  # a closed stdout, an odd value: the metric is lost, not the film
        logging.getLogger("videoflix.metrics").warning("could not emit metric %s", name, exc_info=True)
