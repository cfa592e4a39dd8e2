"""The only writes of a video's status, lease and progress: each transition of
videoflix.domain.video_states is one conditional UPDATE whose WHERE comes from TRANSITIONS.

Concurrent workers, duplicate deliveries, the sweeper and the admin race on these rows, and
whoever's UPDATE matches no row (rowcount 0) has lost and must not act. Every function answers
whether its row moved; none commits (the caller's session does, with its other changes).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from videoflix.db.models import Video, utcnow
from videoflix.db.session import record_changes
from videoflix.domain.changes import CatalogChanged, VideoSettled
from videoflix.domain.video_states import (INITIAL_STATE, LEASE_MARGIN_SECONDS, TRANSITIONS, Event, Guard, Transition,
                                           VideoState, lease_duration, next_state, transitions_of)

__all__ = ["INITIAL_STATE", "LEASE_MARGIN_SECONDS", "TRANSITIONS", "Event", "Guard", "Transition", "VideoState",
           "lease_duration", "next_state"]


def _allowed(event: Event, now: datetime | None):
    """The WHERE of `event`, built from its rows of TRANSITIONS."""
    clauses = []
    for transition in transitions_of(event):
        sources = sorted(transition.sources, key=list(VideoState).index)
        status = (Video.status == sources[0].value if len(sources) == 1
                  else Video.status.in_([s.value for s in sources]))
        if transition.guard is Guard.LEASE_PAST:
            status = and_(status, Video.lease_expires_at < now)
        elif transition.guard is Guard.LEASE_STALE:
            status = and_(status, lease_expired(now))
        clauses.append(status)
    return clauses[0] if len(clauses) == 1 else or_(*clauses)


def lease_expired(now: datetime):
    """No lease, or one that ran out before `now`: the worker holding it is gone."""
    return or_(Video.lease_expires_at.is_(None), Video.lease_expires_at < now)


def _move(session: Session, event: Event, video_ids: int | Iterable[int], now: datetime | None = None,
          **values: Any) -> int:
    """Perform `event` on the videos it allows; the number of rows that moved. A move of status
    records CatalogChanged: what viewers see cached follows it after commit (videoflix.effects)."""
    rows = transitions_of(event)
    changes_status = any(t.sources != {t.target} for t in rows)  # a transition within a state leaves it alone
    if changes_status:
        values = {"status": rows[0].target.value, **values}
    which = Video.id == video_ids if isinstance(video_ids, int) else Video.id.in_(list(video_ids))
    moved = session.execute(update(Video).where(which, _allowed(event, now)).values(**values)).rowcount
    if moved and changes_status:
        record_changes(session, CatalogChanged())
    return moved


def _settled(session: Session, moved: int, video_id: int, stage: str | None) -> bool:
    """A film that ended ready or failed is announced after commit, when its path is named (`stage`)."""
    if moved and stage is not None:
        record_changes(session, VideoSettled(video_id, stage))
    return bool(moved)


def new_video(**fields: Any) -> Video:
    """A video row awaiting its upload (not yet added to a session)."""
    return Video(status=INITIAL_STATE.value, progress=0, renditions=[], attempts=0, **fields)


def complete_upload(session: Session, video_id: int) -> bool:
    """`uploaded`, unless the transcoder already claimed it from S3's event; the multipart upload is
    forgotten either way (it is complete)."""

    moved = _move(session, Event.UPLOAD_COMPLETED, video_id)
    session.execute(update(Video).where(Video.id == video_id).values(upload_id=None))
    return bool(moved)


def refuse_upload(session: Session, video_id: int, reason: str, stage: str | None = None) -> bool:
    """Whatever state the upload reached, it ends failed with the reason."""
    return _settled(session, _move(session, Event.UPLOAD_REFUSED, video_id, error=reason, upload_id=None,
                                   progress=0, lease_expires_at=None), video_id, stage)


def claim(session: Session, video_id: int, now: datetime, time_budget: int) -> bool:
    """Take the video for one transcode attempt (counted), under a lease that outlives the budget."""
    return bool(_move(session, Event.CLAIMED, video_id, now, lease_expires_at=now + lease_duration(time_budget),
                      attempts=Video.attempts + 1, progress=0, error=None, upload_id=None))


def report_progress(session: Session, video_id: int, percent: int) -> bool:
    """0-99: 100 is for a published video only."""
    return bool(_move(session, Event.PROGRESS, video_id, progress=max(0, min(99, int(percent)))))


def renew_lease(session: Session, video_id: int, time_budget: int, progress: int | None = None) -> bool:
    """Keep the lease while work goes on, so nobody takes the film over meanwhile."""
    values: dict[str, Any] = {"lease_expires_at": utcnow() + lease_duration(time_budget)}
    if progress is not None:
        values["progress"] = progress
    return bool(_move(session, Event.LEASE_RENEWED, video_id, **values))


def end_leases(session: Session, video_ids: Iterable[int]) -> int:
    """End the leases of videos whose workers are known to be gone: the next sweep moves them on."""
    return _move(session, Event.LEASE_ENDED, video_ids, lease_expires_at=None)


def publish(session: Session, video_id: int, *, duration: float, width: int, height: int,
            renditions: list[str], thumbnail_key: str | None, stage: str | None = None) -> bool:
    return _settled(session, _move(session, Event.PUBLISHED, video_id, progress=100, error=None,
                                   lease_expires_at=None, ready_at=utcnow(), duration=duration, width=width,
                                   height=height, renditions=renditions, thumbnail_key=thumbnail_key),
                    video_id, stage)


def fail(session: Session, video_id: int, reason: str, stage: str | None = None) -> bool:
    return _settled(session, _move(session, Event.FAILED, video_id, error=reason, lease_expires_at=None,
                                   progress=0), video_id, stage)


def release_for_retry(session: Session, video_id: int, reason: str) -> bool:
    return bool(_move(session, Event.RELEASED_FOR_RETRY, video_id, error=f"Retrying after: {reason}",
                      lease_expires_at=None, progress=0))


def requeue_expired(session: Session, video_id: int, now: datetime, reason: str) -> bool:
    return bool(_move(session, Event.LEASE_EXPIRED_REQUEUED, video_id, now, lease_expires_at=None, progress=0,
                      error=reason))


def fail_expired(session: Session, video_id: int, now: datetime, reason: str, stage: str | None = None) -> bool:
    return _settled(session, _move(session, Event.LEASE_EXPIRED_FAILED, video_id, now, lease_expires_at=None,
                                   progress=0, error=reason), video_id, stage)


def retry_by_admin(session: Session, video_id: int) -> bool:
    """A failed video back to `uploaded`, its attempts counted afresh."""
    return bool(_move(session, Event.RETRIED_BY_ADMIN, video_id, error=None, progress=0, attempts=0,
                      lease_expires_at=None))
