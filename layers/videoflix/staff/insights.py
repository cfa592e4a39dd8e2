"""What viewers experienced, for staff: totals, per film and over time, read from the rollups.

Every figure is derived from sums (videoflix.domain.insights.Rollup.summary): rates divide
summed numerators by summed denominators, percentiles come from the merged histograms. A range
of whole days (UTC midnights) reads the daily rollups, any other range the hourly ones. Unique
viewers over a range are counted from the aggregator's view records while the range lies within
PLAYBACK_RETENTION_DAYS (exact); beyond it, the hours' or days' own counts are added
(`unique_viewers_exact: false`: a viewer seen on two days counts twice).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from videoflix.db import insights as rollups
from videoflix.db.models import Video, utcnow
from videoflix.domain.insights import Rollup
from videoflix.domain.video_json import iso
from videoflix.errors import FieldErrors
from videoflix.services import Services
from videoflix.staff.videos import video_or_404

DEFAULT_DAYS = 7
MAX_DAYS = 400
HOURLY_UP_TO = timedelta(days=3)  # longer ranges are drawn by day unless `interval=hour` is asked
MAX_HOURLY = timedelta(days=31)
INTERVALS = ("hour", "day")


@dataclass(frozen=True)
class Range:
    start: datetime  # inclusive
    end: datetime    # exclusive
    interval: str

    @property
    def whole_days(self) -> bool:
        return self.start.time() == time() and self.end.time() == time()


def _moment(raw: str, field: str, end: bool) -> datetime:
    """An ISO date (a whole day: `to` includes it) or date-time (UTC unless it says otherwise)."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), tzinfo=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FieldErrors.single(field, "An ISO 8601 date (2026-12-01) or date-time (2026-12-01T14:00:00Z).") \
            from None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def parse_range(params: Mapping[str, str] | None, now: datetime | None = None) -> Range:
    """`from`, `to` (default: the last 7 days up to now) and `interval` (hour | day); FieldErrors otherwise."""
    params = params or {}
    now = now or utcnow()
    end = _moment(params["to"], "to", end=True) if params.get("to") else \
        now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = _moment(params["from"], "from", end=False) if params.get("from") else end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise FieldErrors.single("from", "`from` must be before `to`.")
    if end - start > timedelta(days=MAX_DAYS):
        raise FieldErrors.single("to", f"A range of at most {MAX_DAYS} days.")
    interval = params.get("interval") or ("hour" if end - start <= HOURLY_UP_TO else "day")
    if interval not in INTERVALS:
        raise FieldErrors.single("interval", "`hour` or `day`.")
    if interval == "hour" and end - start > MAX_HOURLY:
        raise FieldErrors.single("interval", f"Hourly points for at most {MAX_HOURLY.days} days; ask for `day`.")
    return Range(start, end, interval)


def _rows(session: Session, span: Range, video_id: int | None) -> list[tuple[int, datetime, Rollup]]:
    """(film, start of its period, rollup), at the finest grain the range needs."""
    if span.interval == "day" and span.whole_days:
        days = rollups.daily(session, span.start.date(), (span.end - timedelta(days=1)).date(), video_id)
        return [(film, datetime.combine(day, time(), tzinfo=timezone.utc), rollup) for film, day, rollup in days]
    return rollups.hourly(session, span.start, span.end, video_id)


def _bucket(moment: datetime, interval: str) -> datetime:
    if interval == "day":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment


def _sum(rollups_: list[Rollup]) -> Rollup:
    total = Rollup()
    for rollup in rollups_:
        total = total.add(rollup)
    return total


class Insights:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    def _exact_viewers(self, session: Session, span: Range) -> dict[int | None, int] | None:
        kept_from = utcnow() - timedelta(days=self.settings.playback_retention_days - 1)
        if span.start < kept_from:
            return None
        return rollups.distinct_viewers(session, span.start, span.end)

    def _summary(self, rollup: Rollup, viewers: dict[int | None, int] | None, key: int | None) -> dict[str, Any]:
        summary = rollup.summary()
        if viewers is not None:
            summary["unique_viewers"] = viewers.get(key, 0)
        summary["unique_viewers_exact"] = viewers is not None
        return summary

    def _series(self, rows: list[tuple[int, datetime, Rollup]], interval: str) -> list[dict[str, Any]]:
        points: dict[datetime, list[Rollup]] = defaultdict(list)
        for _, moment, rollup in rows:
            points[_bucket(moment, interval)].append(rollup)
        series = []
        for moment in sorted(points):
            summary = _sum(points[moment]).summary()
            summary["unique_viewers_exact"] = len(points[moment]) == 1  # else a sum over films or hours
            series.append({"at": iso(moment), **summary})
        return series

    def overview(self, params: Mapping[str, str] | None) -> dict[str, Any]:
        """Totals, a series over time and one entry per film with playback in the range."""
        span = parse_range(params)
        with self.services.db.session() as session:
            rows = _rows(session, span, None)
            viewers = self._exact_viewers(session, span)
            per_film: dict[int, list[Rollup]] = defaultdict(list)
            for film, _, rollup in rows:
                per_film[film].append(rollup)
            titles = dict(session.execute(select(Video.id, Video.title).where(Video.id.in_(list(per_film)))).all()) \
                if per_film else {}
        films = [{"video_id": film, "title": titles.get(film, ""), **self._summary(_sum(found), viewers, film)}
                 for film, found in per_film.items()]
        films.sort(key=lambda entry: (-entry["views"], -entry["watched_seconds"], entry["video_id"]))
        return {"from": iso(span.start), "to": iso(span.end), "interval": span.interval,
                "totals": self._summary(_sum([rollup for _, _, rollup in rows]), viewers, None),
                "series": self._series(rows, span.interval), "videos": films}

    def for_video(self, video_id: int, params: Mapping[str, str] | None) -> dict[str, Any]:
        """One film: its totals and its series (NotFound for an unknown film)."""
        span = parse_range(params)
        with self.services.db.session() as session:
            video = video_or_404(session, video_id)
            title = video.title
            rows = _rows(session, span, video_id)
            viewers = self._exact_viewers(session, span)
        return {"from": iso(span.start), "to": iso(span.end), "interval": span.interval,
                "video": {"id": video_id, "title": title},
                "totals": self._summary(_sum([rollup for _, _, rollup in rows]), viewers, video_id),
                "series": self._series(rows, span.interval)}
