"""Insights: folding playback batches into rollups per film and hour (and day), and reading them back.

Pure: the rollup arithmetic, the startup-time histogram and its percentiles, and `fold_batch`,
which turns one batch into additions to rollups given what is known of its view. The store
(`InsightsStore`) records what was counted: videoflix.db.insights over SQL, a dict twin in tests.

Counted once, whatever the delivery:
- a batch is claimed by (view, seq) before it is folded, so a redelivered one adds nothing;
- every addition is a sum, so batches may arrive in any order. A view is counted in the hour its
  first batch arrived; its failure (first fatal error) and its completion (watched / duration,
  capped at 1, added as the difference each batch makes) go to that hour too, so every rollup
  row has failed_views <= views. What happened during a batch (watched time, stalls, startup,
  renditions) goes to the hour the batch arrived.
- percentiles come from a histogram with fixed log-spaced buckets: two rollups merge by adding
  their counts, so the p95 of a month is read from the month's merged histogram, never an average.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timezone
from typing import Any, Protocol

from videoflix.domain.playback_events import BatchMessage

# Startup-time histogram: bucket 0 is [0, 10 ms); bucket i >= 1 is [10·2^((i-1)/4), 10·2^(i/4)) ms;
# the last one is open-ended (past ~5.5 minutes). Neighbouring bounds differ by 19 %, so a
# percentile read from it is within about 9 % of the exact one.
HISTOGRAM_BUCKETS = 64
HISTOGRAM_BASE_MS = 10.0
HISTOGRAM_STEP = 2 ** 0.25


def bucket_of(ms: float) -> int:
    if ms < HISTOGRAM_BASE_MS:
        return 0
    return min(HISTOGRAM_BUCKETS - 1, 1 + int(math.floor(math.log(ms / HISTOGRAM_BASE_MS, HISTOGRAM_STEP) + 1e-9)))


def bucket_bounds(index: int) -> tuple[float, float]:
    if index == 0:
        return 0.0, HISTOGRAM_BASE_MS
    low = HISTOGRAM_BASE_MS * HISTOGRAM_STEP ** (index - 1)
    return low, low * HISTOGRAM_STEP


def empty_histogram() -> list[int]:
    return [0] * HISTOGRAM_BUCKETS


def merge_histograms(*histograms: list[int]) -> list[int]:
    merged = empty_histogram()
    for histogram in histograms:
        for index, count in enumerate(histogram or ()):
            merged[min(index, HISTOGRAM_BUCKETS - 1)] += int(count)
    return merged


def percentile(histogram: list[int], q: float) -> float | None:
    """The q-quantile (0 < q <= 1) in ms, interpolated inside its bucket; None for an empty histogram."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            low, high = bucket_bounds(index)
            share = (rank - seen) / count
            if index == 0:
                return round(low + (high - low) * share, 1)
            return round(low * (high / low) ** share, 1)
        seen += count
    return round(bucket_bounds(HISTOGRAM_BUCKETS - 1)[0], 1)


def add_counts(into: dict[str, float], more: dict[str, float]) -> dict[str, float]:
    result = dict(into)
    for key, value in more.items():
        result[key] = round(result.get(key, 0) + value, 3)
    return result


MAX_ERROR_KINDS = 20  # distinct fatal error kinds a rollup keeps; the rest add up under OTHER_ERRORS
OTHER_ERRORS = "other"


def capped(counts: dict[str, float]) -> dict[str, float]:
    """At most MAX_ERROR_KINDS keys (the most frequent): what players send cannot grow a row without bound."""
    if len(counts) <= MAX_ERROR_KINDS:
        return counts
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    kept = dict(ranked[:MAX_ERROR_KINDS - 1])
    kept[OTHER_ERRORS] = kept.get(OTHER_ERRORS, 0) + sum(value for _, value in ranked[MAX_ERROR_KINDS - 1:])
    return kept


@dataclass
class Rollup:
    """What happened to one film in one period (an hour, a day, or any sum of them)."""
    views: int = 0
    failed_views: int = 0
    unique_viewers: int = 0
    watched_seconds: float = 0.0
    stalled_seconds: float = 0.0
    stalls: int = 0
    completion_sum: float = 0.0
    startup_histogram: list[int] = field(default_factory=empty_histogram)
    errors: int = 0
    seeks: int = 0
    switches: int = 0
    heights: dict[str, float] = field(default_factory=dict)   # watched seconds per rendition height
    codecs: dict[str, float] = field(default_factory=dict)    # watched seconds per codec family
    browsers: dict[str, float] = field(default_factory=dict)  # views per browser family
    fatal_errors: dict[str, float] = field(default_factory=dict)  # fatal errors per "type/details" of hls.js

    def add(self, other: "Rollup") -> "Rollup":
        """The sum of two rollups (unique viewers too: the caller says where that is an upper bound)."""
        return Rollup(
            views=self.views + other.views, failed_views=self.failed_views + other.failed_views,
            unique_viewers=self.unique_viewers + other.unique_viewers,
            watched_seconds=round(self.watched_seconds + other.watched_seconds, 3),
            stalled_seconds=round(self.stalled_seconds + other.stalled_seconds, 3),
            stalls=self.stalls + other.stalls, completion_sum=self.completion_sum + other.completion_sum,
            startup_histogram=merge_histograms(self.startup_histogram, other.startup_histogram),
            errors=self.errors + other.errors, seeks=self.seeks + other.seeks, switches=self.switches + other.switches,
            heights=add_counts(self.heights, other.heights), codecs=add_counts(self.codecs, other.codecs),
            browsers=add_counts(self.browsers, other.browsers),
            fatal_errors=capped(add_counts(self.fatal_errors, other.fatal_errors)))

    def is_empty(self) -> bool:
        return self == Rollup()

    def to_row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_row(cls, row: Any) -> "Rollup":
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})

    def summary(self) -> dict[str, Any]:
        """The figures staff read: rates and percentiles derived from the sums, never averaged."""
        def share(counts: dict[str, float]) -> dict[str, float]:
            total = sum(counts.values())
            return {key: round(value / total, 4) for key, value in sorted(counts.items())} if total else {}
        return {
            "views": self.views,
            "unique_viewers": self.unique_viewers,
            "minutes_watched": round(self.watched_seconds / 60, 2),
            "watched_seconds": round(self.watched_seconds, 3),
            "mean_completion": round(self.completion_sum / self.views, 4) if self.views else None,
            "startup_p50_ms": percentile(self.startup_histogram, 0.50),
            "startup_p95_ms": percentile(self.startup_histogram, 0.95),
            "startups": sum(self.startup_histogram),
            "stalls": self.stalls,
            "stalled_seconds": round(self.stalled_seconds, 3),
            "rebuffer_ratio": round(self.stalled_seconds / self.watched_seconds, 4) if self.watched_seconds else None,
            "failed_views": self.failed_views,
            "failure_rate": round(self.failed_views / self.views, 4) if self.views else None,
            "errors": self.errors,
            "seeks": self.seeks,
            "rendition_switches": self.switches,
            "heights": share(self.heights),
            "codecs": share(self.codecs),
            "browsers": {key: int(value) for key, value in sorted(self.browsers.items())},
            "fatal_errors": {key: int(value) for key, value in sorted(self.fatal_errors.items())},
        }


@dataclass
class ViewState:
    """What the store keeps of a view between its batches."""
    video_id: int
    hour: datetime          # the hour its first batch arrived: where the view is counted
    watched_seconds: float = 0.0
    failed: bool = False


def hour_of(epoch_seconds: float) -> datetime:
    moment = datetime.fromtimestamp(epoch_seconds, tz=timezone.utc)
    return moment.replace(minute=0, second=0, microsecond=0)


def day_of(hour: datetime) -> date:
    return hour.date()


class InsightsStore(Protocol):
    """Where the fold records what it counted (videoflix.db.insights.SqlInsightsStore; a twin in tests)."""

    def claim_batch(self, view_key: str, seq: int, received_at: float) -> bool:
        """True the first time (view, seq) is seen; False for a redelivery."""
    def view(self, view_key: str) -> ViewState | None: ...
    def save_view(self, view_key: str, viewer: str, state: ViewState, created: bool) -> None: ...
    def is_new_viewer(self, video_id: int, viewer: str, hour: datetime) -> tuple[bool, bool]:
        """(first view of this viewer for this film in this hour, ... in this hour's day); call before save_view."""
    def add(self, video_id: int, hour: datetime, delta: Rollup, day_unique_viewers: int = 0) -> None:
        """Add `delta` to the hour's rollup, and to its day's with `day_unique_viewers` as its unique viewers."""
    def add_hour(self, video_id: int, hour: datetime, delta: Rollup) -> None: ...
    def add_day(self, video_id: int, day: date, delta: Rollup) -> None: ...


class BufferedRollups:
    """An InsightsStore that adds up the rollup additions of many batches and writes each row once
    (`flush`): a batch of SQS records of one film and hour costs one merge per rollup row, not one
    per record. Claims and views go straight to `store`, in the same transaction."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.hours: dict[tuple[int, datetime], Rollup] = {}
        self.days: dict[tuple[int, date], Rollup] = {}

    def claim_batch(self, view_key: str, seq: int, received_at: float) -> bool:
        return self.store.claim_batch(view_key, seq, received_at)

    def view(self, view_key: str) -> ViewState | None:
        return self.store.view(view_key)

    def save_view(self, view_key: str, viewer: str, state: ViewState, created: bool) -> None:
        self.store.save_view(view_key, viewer, state, created)

    def is_new_viewer(self, video_id: int, viewer: str, hour: datetime) -> tuple[bool, bool]:
        return self.store.is_new_viewer(video_id, viewer, hour)

    def add(self, video_id: int, hour: datetime, delta: Rollup, day_unique_viewers: int = 0) -> None:
        self.hours[(video_id, hour)] = self.hours.get((video_id, hour), Rollup()).add(delta)
        day_delta = Rollup(**{**delta.to_row(), "unique_viewers": day_unique_viewers})
        key = (video_id, day_of(hour))
        self.days[key] = self.days.get(key, Rollup()).add(day_delta)

    def flush(self) -> None:
        """Write the sums, rows in (film, period) order (concurrent aggregators lock them alike)."""
        for (video_id, hour), delta in sorted(self.hours.items()):
            self.store.add_hour(video_id, hour, delta)
        for (video_id, day), delta in sorted(self.days.items()):
            self.store.add_day(video_id, day, delta)
        self.hours.clear()
        self.days.clear()


def completion(watched: float, duration: float | None) -> float:
    return min(1.0, watched / duration) if duration and duration > 0 else 0.0


def batch_contribution(message: BatchMessage, before: ViewState | None, duration: float | None
                       ) -> tuple[ViewState, Rollup, Rollup]:
    """(the view after the batch, what it adds to the view's hour, what it adds to the batch's hour)."""
    batch = message.batch
    batch_hour = hour_of(message.received_at)
    state = ViewState(batch.video_id, batch_hour) if before is None else \
        ViewState(before.video_id, before.hour, before.watched_seconds, before.failed)
    to_view_hour, to_batch_hour = Rollup(), Rollup()
    if before is None:
        to_view_hour.views = 1
        to_view_hour.browsers = {batch.browser: 1}
    watched = 0.0
    for event in batch.events:
        if event.type == "startup":
            to_batch_hour.startup_histogram[bucket_of(event.ms)] += 1
        elif event.type == "stall":
            to_batch_hour.stalls += 1
            to_batch_hour.stalled_seconds = round(to_batch_hour.stalled_seconds + event.ms / 1000, 3)
        elif event.type == "rendition":
            to_batch_hour.switches += 1
        elif event.type == "error":
            to_batch_hour.errors += 1
            if event.fatal:
                kind = f"{event.error_type or '?'}/{event.details or '?'}"
                to_batch_hour.fatal_errors = capped(add_counts(to_batch_hour.fatal_errors, {kind: 1}))
            if event.fatal and not state.failed:
                state.failed = True
                to_view_hour.failed_views = 1
        elif event.type == "seek":
            to_batch_hour.seeks += 1
        elif event.type == "watched" and event.seconds > 0:
            watched += event.seconds
            if event.height:
                to_batch_hour.heights = add_counts(to_batch_hour.heights, {str(event.height): event.seconds})
            if event.codec:
                to_batch_hour.codecs = add_counts(to_batch_hour.codecs, {event.codec: event.seconds})
    to_batch_hour.watched_seconds = round(watched, 3)
    to_view_hour.completion_sum = completion(state.watched_seconds + watched, duration) - \
        completion(state.watched_seconds, duration)
    state.watched_seconds = round(state.watched_seconds + watched, 3)
    return state, to_view_hour, to_batch_hour


def fold_batch(store: InsightsStore, message: BatchMessage, duration: float | None) -> Rollup | None:
    """Fold one batch into the store; what it added, or None (nothing added) when it was folded before."""
    batch = message.batch
    if not store.claim_batch(message.view_key, batch.seq, message.received_at):
        return None
    before = store.view(message.view_key)
    if before is not None and before.video_id != batch.video_id:
        return None  # a view plays one film: a batch naming another is not this view's
    state, to_view_hour, to_batch_hour = batch_contribution(message, before, duration)
    new_in_day = False
    if before is None:
        new_in_hour, new_in_day = store.is_new_viewer(batch.video_id, message.viewer, state.hour)
        to_view_hour.unique_viewers = int(new_in_hour)
    store.save_view(message.view_key, message.viewer, state, created=before is None)
    batch_hour = hour_of(message.received_at)
    if state.hour == batch_hour:
        store.add(batch.video_id, state.hour, to_view_hour.add(to_batch_hour), int(new_in_day))
    else:
        if not to_view_hour.is_empty():
            store.add(batch.video_id, state.hour, to_view_hour, int(new_in_day))
        if not to_batch_hour.is_empty():
            store.add(batch.video_id, batch_hour, to_batch_hour)
    return to_view_hour.add(to_batch_hour)
