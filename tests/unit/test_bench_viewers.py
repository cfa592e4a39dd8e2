"""bench.load's viewers scenario: what it sends is what the API accepts, and what it expects adds up."""
from __future__ import annotations

from bench.load import VIEWER_BATCHES, expected_totals, viewer_batch
from videoflix.domain.playback_events import parse_batch


def test_every_simulated_batch_is_valid_and_the_totals_are_counted_from_them():
    batches = [viewer_batch(7, viewer, seq) for viewer in range(100) for seq in range(VIEWER_BATCHES)]
    for batch in batches:
        parse_batch(batch)  # raises on a batch the API would refuse
    assert expected_totals(batches) == {"views": 100, "unique_viewers": 100, "startups": 100,
                                        "watched_seconds": 6000.0, "stalls": 20, "stalled_seconds": 10.0,
                                        "failed_views": 2}
    # A batch that never got through changes what is expected.
    assert expected_totals(batches[1:])["views"] == 99
