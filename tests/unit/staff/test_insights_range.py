"""The staff's insights range: ISO dates or date-times, defaults, and a clear 400 for anything else."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from videoflix.errors import FieldErrors
from videoflix.staff.insights import parse_range

NOW = datetime(2026, 12, 7, 15, 20, tzinfo=timezone.utc)


def test_the_default_is_the_last_seven_days_up_to_this_hour_by_day():
    span = parse_range({}, now=NOW)
    assert span.end == datetime(2026, 12, 7, 16, tzinfo=timezone.utc)
    assert (span.end - span.start).days == 7 and span.interval == "day"


def test_a_to_date_includes_its_day_and_short_ranges_are_hourly():
    span = parse_range({"from": "2026-12-01", "to": "2026-12-02"}, now=NOW)
    assert (span.start, span.end) == (datetime(2026, 12, 1, tzinfo=timezone.utc), datetime(2026, 12, 3, tzinfo=timezone.utc))
    assert span.interval == "hour" and span.whole_days
    span = parse_range({"from": "2026-12-01T10:30:00+02:00", "to": "2026-12-01T12:00:00Z"}, now=NOW)
    assert span.start == datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc) and not span.whole_days


@pytest.mark.parametrize("params, field", [
    ({"from": "last week"}, "from"), ({"to": "2026-13-01"}, "to"), ({"from": "2026-12-05", "to": "2026-12-01"}, "from"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "to"), ({"interval": "minute"}, "interval"),
    ({"from": "2026-01-01", "to": "2026-06-01", "interval": "hour"}, "interval"),
])
def test_bad_ranges_name_the_field(params, field):
    with pytest.raises(FieldErrors) as refused:
        parse_range(params, now=NOW)
    assert field in refused.value.fields
