"""Folding playback batches: percentiles that merge, a batch delivered twice counted once, any order."""
from __future__ import annotations

import itertools
import random

import pytest

from videoflix.domain.insights import (BufferedRollups, Rollup, bucket_bounds, bucket_of, fold_batch, hour_of, merge_histograms,
                                       percentile)
from videoflix.domain.playback_events import BatchMessage, parse_batch, parse_message, to_message
from videoflix.errors import FieldErrors, InvalidInput
from videoflix_tools.testing.memory import MemoryInsightsStore

T0 = 1_765_000_800.0  # 2025-12-06 06:00:00 UTC, on the hour


def message(view_id="view-aaaa-1", seq=0, events=(), video_id=7, viewer="viewer-one", at=T0, browser="chrome"):
    batch = parse_batch({"view_id": view_id, "video_id": video_id, "seq": seq, "browser": browser,
                         "events": list(events)})
    return BatchMessage(batch, viewer, at)


def histogram_of(samples):
    histogram = [0] * 64
    for ms in samples:
        histogram[bucket_of(ms)] += 1
    return histogram


def exact_percentile(samples, q):
    ordered = sorted(samples)
    return ordered[max(0, int(round(q * len(ordered))) - 1)]


# -------------------------------------------------------------------------- histograms
def test_buckets_cover_every_time_and_are_ordered():
    for ms in (0, 5, 10, 11.9, 12, 100, 999, 1000, 60_000, 600_000):
        low, high = bucket_bounds(bucket_of(ms))
        assert low <= ms < high or bucket_of(ms) == 63


def test_percentiles_of_merged_histograms_match_the_percentile_of_all_samples():
    rng = random.Random(24)
    fast = [rng.lognormvariate(6.0, 0.4) for _ in range(3000)]     # ~400 ms startups
    slow = [rng.lognormvariate(8.0, 0.5) for _ in range(300)]      # ~3 s startups on a bad hour
    merged = merge_histograms(histogram_of(fast), histogram_of(slow))
    everything = fast + slow
    for q in (0.5, 0.95):
        exact = exact_percentile(everything, q)
        assert abs(percentile(merged, q) - exact) / exact < 0.10, q
    # The average of the two hours' p95 is not the p95 of both: the merge is what is right.
    averaged = (percentile(histogram_of(fast), 0.95) + percentile(histogram_of(slow), 0.95)) / 2
    assert abs(averaged - exact_percentile(everything, 0.95)) / exact_percentile(everything, 0.95) > 0.3


def test_merge_is_order_free_and_empty_has_no_percentile():
    a, b = histogram_of([100, 200, 300]), histogram_of([5000])
    assert merge_histograms(a, b) == merge_histograms(b, a)
    assert percentile([0] * 64, 0.5) is None
    assert percentile(histogram_of([250]), 0.5) == pytest.approx(250, rel=0.1)


# -------------------------------------------------------------------------- folding
VIEW = [
    [{"type": "view_start"}, {"type": "startup", "ms": 800},
     {"type": "rendition", "height": 720, "bitrate": 2_800_000, "codec": "avc1.64001f"},
     {"type": "watched", "seconds": 4.0, "height": 720, "codec": "avc1.64001f"}],
    [{"type": "stall", "ms": 1500}, {"type": "watched", "seconds": 5.0, "height": 720, "codec": "avc1.64001f"}],
    [{"type": "error", "fatal": False, "error_type": "networkError", "details": "fragLoadError"},
     {"type": "seek", "from_s": 9, "to_s": 2}, {"type": "watched", "seconds": 3.0, "height": 480, "codec": "avc1"}],
    [{"type": "error", "fatal": True, "error_type": "networkError", "details": "fragLoadError"}],
    [{"type": "error", "fatal": True, "error_type": "mediaError", "details": "bufferStalledError"},
     {"type": "watched", "seconds": 1.0, "height": 480, "codec": "avc1"}],
]


def fold_all(store, messages, duration=20.0):
    return [fold_batch(store, m, duration) is not None for m in messages]


def test_a_view_folds_into_its_hour():
    store = MemoryInsightsStore()
    fold_all(store, [message(seq=i, events=e) for i, e in enumerate(VIEW)])
    summary = store.total().summary()
    assert summary["views"] == 1 and summary["unique_viewers"] == 1
    assert summary["watched_seconds"] == 13.0
    assert summary["stalls"] == 1 and summary["rebuffer_ratio"] == round(1.5 / 13, 4)
    assert summary["failed_views"] == 1 and summary["failure_rate"] == 1.0  # two fatal errors, one failed view
    assert summary["errors"] == 3 and summary["seeks"] == 1 and summary["rendition_switches"] == 1
    assert summary["mean_completion"] == 0.65  # 13 of 20 seconds
    assert summary["heights"] == {"480": round(4 / 13, 4), "720": round(9 / 13, 4)}
    assert summary["codecs"] == {"avc1": 1.0}
    assert summary["startup_p50_ms"] == pytest.approx(800, rel=0.1)
    assert summary["browsers"] == {"chrome": 1}
    assert summary["fatal_errors"] == {"networkError/fragLoadError": 1, "mediaError/bufferStalledError": 1}


def test_a_batch_delivered_twice_counts_once():
    store = MemoryInsightsStore()
    messages = [message(seq=i, events=e) for i, e in enumerate(VIEW)]
    once = MemoryInsightsStore()
    fold_all(once, messages)
    assert fold_all(store, messages + messages[::2]) == [True] * 5 + [False] * 3
    assert store.total() == once.total()


def test_batches_in_any_order_give_the_same_rollups():
    messages = [message(seq=i, events=e) for i, e in enumerate(VIEW)]
    expected = MemoryInsightsStore()
    fold_all(expected, messages)
    for order in itertools.islice(itertools.permutations(messages), 0, None, 7):
        store = MemoryInsightsStore()
        fold_all(store, list(order))
        got = store.total()
        assert got.summary() == expected.total().summary(), [m.batch.seq for m in order]
        assert got.completion_sum == pytest.approx(expected.total().completion_sum)


def test_completion_is_capped_per_view_whatever_the_order():
    store = MemoryInsightsStore()
    fold_all(store, [message(seq=1, events=[{"type": "watched", "seconds": 15}]),
                     message(seq=0, events=[{"type": "view_start"}, {"type": "watched", "seconds": 15}])])
    assert store.total().summary()["mean_completion"] == 1.0


def test_views_count_in_the_hour_they_started_and_watching_in_the_hour_it_happened():
    store = MemoryInsightsStore()
    fold_all(store, [message(seq=0, events=[{"type": "view_start"}, {"type": "watched", "seconds": 5}],
                             at=T0 + 3590),
                     message(seq=1, events=[{"type": "watched", "seconds": 5},
                                            {"type": "error", "fatal": True, "error_type": "x", "details": "y"}],
                             at=T0 + 3610)])
    first, second = store.hours[(7, hour_of(T0))], store.hours[(7, hour_of(T0 + 3600))]
    assert (first.views, first.failed_views, first.watched_seconds) == (1, 1, 5.0)
    assert (second.views, second.failed_views, second.watched_seconds) == (0, 0, 5.0)


def test_unique_viewers_per_hour_and_day():
    store = MemoryInsightsStore()
    fold_all(store, [message(view_id="view-one-1", events=[{"type": "view_start"}], at=T0),
                     message(view_id="view-one-2", events=[{"type": "view_start"}], at=T0 + 60),
                     message(view_id="view-one-3", events=[{"type": "view_start"}], at=T0 + 3600),
                     message(view_id="view-two-1", events=[{"type": "view_start"}], viewer="viewer-two", at=T0)])
    assert store.hours[(7, hour_of(T0))].views == 3 and store.hours[(7, hour_of(T0))].unique_viewers == 2
    assert store.hours[(7, hour_of(T0 + 3600))].unique_viewers == 1
    day = next(iter(store.days.values()))
    assert (day.views, day.unique_viewers) == (4, 2)


def test_the_same_view_id_of_two_viewers_is_two_views():
    store = MemoryInsightsStore()
    fold_all(store, [message(viewer="viewer-one", events=[{"type": "view_start"}]),
                     message(viewer="viewer-two", events=[{"type": "view_start"}])])
    assert store.total().views == 2


def test_fatal_error_kinds_are_capped():
    store = MemoryInsightsStore()
    fold_all(store, [message(seq=i, events=[{"type": "error", "fatal": True, "error_type": "t", "details": f"d{i}"}])
                     for i in range(30)])
    kinds = store.total().fatal_errors
    assert len(kinds) <= 20 and sum(kinds.values()) == 30 and kinds["other"] >= 10


def test_rollups_add_up():
    a = Rollup(views=2, watched_seconds=10, heights={"720": 10}, startup_histogram=histogram_of([300, 400]))
    b = Rollup(views=1, watched_seconds=5, heights={"720": 2, "480": 3}, startup_histogram=histogram_of([900]))
    total = a.add(b)
    assert (total.views, total.watched_seconds, total.heights) == (3, 15, {"720": 12, "480": 3})
    assert sum(total.startup_histogram) == 3


# -------------------------------------------------------------------------- the contract
@pytest.mark.parametrize("body, field, words", [
    ({"view_id": "x", "video_id": 1, "seq": 0, "events": [{"type": "view_start"}]}, "view_id", "8 to 64"),
    ({"view_id": "view-0001", "video_id": "1", "seq": 0, "events": [{"type": "view_start"}]}, "video_id", "positive"),
    ({"view_id": "view-0001", "video_id": 1, "seq": -1, "events": [{"type": "view_start"}]}, "seq", "0 to"),
    ({"view_id": "view-0001", "video_id": 1, "seq": 0, "events": []}, "events", "non-empty"),
    ({"view_id": "view-0001", "video_id": 1, "seq": 0, "events": [{"type": "dance"}]}, "events", "must be one of"),
    ({"view_id": "view-0001", "video_id": 1, "seq": 0, "events": [{"type": "stall", "ms": -3}]}, "events",
     "between 0 and 600000"),
    ({"view_id": "view-0001", "video_id": 1, "seq": 0, "events": [{"type": "error", "fatal": "yes"}]}, "events",
     "`fatal` must be true or false"),
    ({"view_id": "view-0001", "video_id": 1, "seq": 0,
      "events": [{"type": "watched", "seconds": 3000}, {"type": "watched", "seconds": 3000}]}, "events",
     "watched seconds per batch"),
    ({"view_id": "view-0001", "video_id": 1, "seq": 0, "events": [{"type": "view_start"}] * 201}, "events",
     "At most 200"),
])
def test_bad_batches_are_refused_with_a_clear_message(body, field, words):
    with pytest.raises(FieldErrors) as refused:
        parse_batch(body)
    assert words in " ".join(refused.value.fields[field])


def test_a_batch_that_is_not_an_object_is_invalid():
    with pytest.raises(InvalidInput):
        parse_batch(["view_start"])


def test_the_message_round_trips_and_keeps_no_raw_user_agent():
    batch = parse_batch({"view_id": "view-0001", "video_id": 3, "seq": 2, "browser": "Mozilla/5.0 (X11) Chrome/1",
                         "events": [{"type": "startup", "ms": 0}, *VIEW[0][2:], VIEW[3][0]]})
    assert batch.browser == "other"
    back = parse_message(to_message(batch, "viewer-key", T0))
    assert back.batch == batch and back.viewer == "viewer-key" and back.received_at == T0
    assert "Mozilla" not in to_message(batch, "viewer-key", T0)
    with pytest.raises(ValueError):
        parse_message('{"v": 1, "view_id": "view-0001"}')


def test_buffered_rollups_write_the_same_sums_once_per_row():
    messages = [message(view_id=f"view-{v:04d}-x", seq=i, events=e, viewer=f"viewer-{v % 3}")
                for v in range(4) for i, e in enumerate(VIEW)]
    direct, inner = MemoryInsightsStore(), MemoryInsightsStore()
    fold_all(direct, messages)
    buffered = BufferedRollups(inner)
    fold_all(buffered, messages + messages[:3])
    assert inner.hours == {}  # nothing written before the flush
    buffered.flush()
    assert inner.hours == direct.hours and inner.days == direct.days
