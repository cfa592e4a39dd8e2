"""The insights tables: the fold's store over SQL, the rollups read back, old per-view records pruned.

Works on PostgreSQL and SQLite. A rollup row is created if missing (INSERT ... ON CONFLICT DO
NOTHING), then locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at a time) and
replaced by its sum with the batch's addition: concurrent aggregators serialize on the row, so
no addition is lost. Rows are locked in (film, hour) order within a transaction.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from videoflix.db.models import PlaybackBatchSeen, PlaybackDaily, PlaybackHourly, PlaybackView, Video
from videoflix.domain.insights import Rollup, ViewState, day_of


def aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back (stored as UTC): the same instant, aware."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def insert_for(session: Session) -> Any:
    # Imported per call: loading a dialect module at import time would cost every cold start.
    if session.connection().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class SqlInsightsStore:
    """videoflix.domain.insights.InsightsStore in one open transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._insert = insert_for(session)

    def claim_batch(self, view_key: str, seq: int, received_at: float) -> bool:
        at = datetime.fromtimestamp(received_at, tz=timezone.utc)
        result = self.session.execute(self._insert(PlaybackBatchSeen).values(
            view_key=view_key, seq=seq, received_at=at).on_conflict_do_nothing())
        return result.rowcount == 1

    def view(self, view_key: str) -> ViewState | None:
        row = self.session.scalars(select(PlaybackView).where(PlaybackView.view_key == view_key)
                                   .with_for_update()).first()
        if row is None:
            return None
        return ViewState(row.video_id, aware(row.hour), row.watched_seconds, row.failed)

    def save_view(self, view_key: str, viewer: str, state: ViewState, created: bool) -> None:
        if created:
            # A second aggregator creating the same view at once fails here: its message comes back.
            self.session.add(PlaybackView(view_key=view_key, video_id=state.video_id, viewer=viewer, hour=state.hour,
                                          watched_seconds=state.watched_seconds, failed=state.failed))
            self.session.flush()
            return
        row = self.session.get(PlaybackView, view_key)
        row.watched_seconds, row.failed = state.watched_seconds, state.failed

    def is_new_viewer(self, video_id: int, viewer: str, hour: datetime) -> tuple[bool, bool]:
        start = datetime.combine(day_of(hour), datetime.min.time(), tzinfo=timezone.utc)
        mine = (PlaybackView.video_id == video_id, PlaybackView.viewer == viewer)
        in_hour = self.session.scalar(select(exists().where(*mine, PlaybackView.hour == hour)))
        in_day = self.session.scalar(select(exists().where(*mine, PlaybackView.hour >= start,
                                                           PlaybackView.hour < start + timedelta(days=1))))
        return not in_hour, not in_day

    def add(self, video_id: int, hour: datetime, delta: Rollup, day_unique_viewers: int = 0) -> None:
        self.add_hour(video_id, hour, delta)
        self.add_day(video_id, day_of(hour), Rollup(**{**delta.to_row(), "unique_viewers": day_unique_viewers}))

    def add_hour(self, video_id: int, hour: datetime, delta: Rollup) -> None:
        self._merge(PlaybackHourly, {"video_id": video_id, "hour": hour}, delta)

    def add_day(self, video_id: int, day: date, delta: Rollup) -> None:
        self._merge(PlaybackDaily, {"video_id": video_id, "day": day}, delta)

    def _merge(self, model: Any, key: dict[str, Any], delta: Rollup) -> None:
        self.session.execute(self._insert(model).values(**key, **Rollup().to_row()).on_conflict_do_nothing())
        row = self.session.scalars(select(model).filter_by(**key).with_for_update()).one()
        for name, value in Rollup.from_row(row).add(delta).to_row().items():
            setattr(row, name, value)
        self.session.flush()


def durations(session: Session, video_ids: Iterable[int]) -> dict[int, float | None]:
    """The films that exist among `video_ids`, with their durations (the fold's completion needs them)."""
    ids = sorted(set(video_ids))
    if not ids:
        return {}
    return dict(session.execute(select(Video.id, Video.duration).where(Video.id.in_(ids))).all())


# ---------------------------------------------------------------- reading
def hourly(session: Session, start: datetime, end: datetime, video_id: int | None = None
           ) -> list[tuple[int, datetime, Rollup]]:
    query = select(PlaybackHourly).where(PlaybackHourly.hour >= start, PlaybackHourly.hour < end)
    if video_id is not None:
        query = query.where(PlaybackHourly.video_id == video_id)
    return [(row.video_id, aware(row.hour), Rollup.from_row(row))
            for row in session.scalars(query.order_by(PlaybackHourly.hour, PlaybackHourly.video_id))]


def daily(session: Session, first: date, last: date, video_id: int | None = None) -> list[tuple[int, date, Rollup]]:
    query = select(PlaybackDaily).where(PlaybackDaily.day >= first, PlaybackDaily.day <= last)
    if video_id is not None:
        query = query.where(PlaybackDaily.video_id == video_id)
    return [(row.video_id, row.day, Rollup.from_row(row))
            for row in session.scalars(query.order_by(PlaybackDaily.day, PlaybackDaily.video_id))]


def distinct_viewers(session: Session, start: datetime, end: datetime) -> dict[int | None, int]:
    """Distinct viewers per film over [start, end) from the kept view records (None: over all films)."""
    in_range = (PlaybackView.hour >= start, PlaybackView.hour < end)
    per_film = dict(session.execute(select(PlaybackView.video_id, func.count(func.distinct(PlaybackView.viewer)))
                                    .where(*in_range).group_by(PlaybackView.video_id)).all())
    per_film[None] = session.scalar(select(func.count(func.distinct(PlaybackView.viewer))).where(*in_range)) or 0
    return per_film


def oldest_kept_view(session: Session) -> datetime | None:
    oldest = session.scalar(select(func.min(PlaybackView.hour)))
    return aware(oldest) if oldest is not None else None


def prune_playback_records(session: Session, older_than: datetime) -> int:
    """Delete the per-view records and counted batches older than `older_than`; the rollups stay."""
    views = session.execute(delete(PlaybackView).where(PlaybackView.created_at < older_than)).rowcount
    batches = session.execute(delete(PlaybackBatchSeen).where(PlaybackBatchSeen.received_at < older_than)).rowcount
    return (views or 0) + (batches or 0)
