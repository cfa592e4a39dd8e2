"""A video's life: its states, the transitions allowed between them, and the only writes of them.

Status, transcode lease and progress of a video are written here and nowhere else. Each
transition is one conditional UPDATE whose WHERE comes from TRANSITIONS: concurrent
workers, duplicate deliveries, the sweeper and the admin race on these rows, and whoever's
UPDATE matches no row (rowcount 0) has lost and must not act. Every function answers
whether its row moved; none commits (the caller's session does, with its other changes).

Pure at import (no models, no SQL built): the models module imports VideoState from here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from videoflix.db.models import Video

# A lease outlives the worker's whole time budget by this much: only a dead worker's expires.
LEASE_MARGIN_SECONDS = 120


class VideoState(StrEnum):
    """The `videos.status` values. A StrEnum: str() and f-strings give the stored value."""

    AWAITING_UPLOAD = "awaiting_upload"
    UPLOADED = "uploaded"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Event(StrEnum):
    UPLOAD_COMPLETED = "upload_completed"
    UPLOAD_REFUSED = "upload_refused"  # the file is not what was declared and allowed
    CLAIMED = "claimed"  # a transcoder takes the video under a lease
    PROGRESS = "progress"
    LEASE_RENEWED = "lease_renewed"  # a fan-out job started or finished
    LEASE_ENDED = "lease_ended"  # its worker is known dead (the dev stack restarted): sweep it soon
    PUBLISHED = "published"
    FAILED = "failed"
    RELEASED_FOR_RETRY = "released_for_retry"  # an attempt failed; SQS delivers the message again
    LEASE_EXPIRED_REQUEUED = "lease_expired_requeued"
    LEASE_EXPIRED_FAILED = "lease_expired_failed"
    RETRIED_BY_ADMIN = "retried_by_admin"


class Guard(StrEnum):
    """What the lease must say besides the status. The two readings of "expired" differ on
    purpose: a claim never takes a lease-less `processing` video (only the sweeper moves it on)."""

    NONE = "none"
    LEASE_PAST = "lease_past"  # lease_expires_at < now
    LEASE_STALE = "lease_stale"  # lease_expires_at is NULL or < now


@dataclass(frozen=True)
class Transition:
    sources: frozenset[VideoState]
    event: Event
    target: VideoState
    guard: Guard = Guard.NONE


S = VideoState
INITIAL_STATE = S.AWAITING_UPLOAD
TRANSITIONS: tuple[Transition, ...] = (
    Transition(frozenset({S.AWAITING_UPLOAD}), Event.UPLOAD_COMPLETED, S.UPLOADED),
    Transition(frozenset({S.AWAITING_UPLOAD, S.UPLOADED, S.PROCESSING}), Event.UPLOAD_REFUSED, S.FAILED),
    Transition(frozenset({S.AWAITING_UPLOAD, S.UPLOADED}), Event.CLAIMED, S.PROCESSING),
    Transition(frozenset({S.PROCESSING}), Event.CLAIMED, S.PROCESSING, Guard.LEASE_PAST),
    Transition(frozenset({S.PROCESSING}), Event.PROGRESS, S.PROCESSING),
    Transition(frozenset({S.PROCESSING}), Event.LEASE_RENEWED, S.PROCESSING),
    Transition(frozenset({S.PROCESSING}), Event.LEASE_ENDED, S.PROCESSING),
    Transition(frozenset({S.PROCESSING}), Event.PUBLISHED, S.READY),
    Transition(frozenset({S.PROCESSING}), Event.FAILED, S.FAILED),
    Transition(frozenset({S.PROCESSING}), Event.RELEASED_FOR_RETRY, S.UPLOADED),
    Transition(frozenset({S.PROCESSING}), Event.LEASE_EXPIRED_REQUEUED, S.UPLOADED, Guard.LEASE_STALE),
    Transition(frozenset({S.PROCESSING}), Event.LEASE_EXPIRED_FAILED, S.FAILED, Guard.LEASE_STALE),
    Transition(frozenset({S.FAILED}), Event.RETRIED_BY_ADMIN, S.UPLOADED),
)
del S


def _rows(event: Event) -> list[Transition]:
    return [t for t in TRANSITIONS if t.event is event]


def _lease_passes(guard: Guard, lease_expires_at: datetime | None, now: datetime | None) -> bool:
    if guard is Guard.NONE:
        return True
    if lease_expires_at is None:
        return guard is Guard.LEASE_STALE
    return now is not None and lease_expires_at < now


def next_state(state: str, event: Event, lease_expires_at: datetime | None = None,
               now: datetime | None = None) -> VideoState | None:
    """Where `event` takes a video in `state` (with that lease), or None: the transition is refused."""
    for transition in _rows(event):
        if state in transition.sources and _lease_passes(transition.guard, lease_expires_at, now):
            return transition.target
    return None


def lease_duration(time_budget: int) -> timedelta:
    return timedelta(seconds=time_budget + LEASE_MARGIN_SECONDS)


# -- the conditional updates ---------------------------------------------------------------------
def _allowed(event: Event, now: datetime | None):
    """The WHERE of `event`, built from its rows of TRANSITIONS."""
    from sqlalchemy import and_, or_

    from videoflix.db.models import Video

    clauses = []
    for transition in _rows(event):
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
    from sqlalchemy import or_

    from videoflix.db.models import Video

    return or_(Video.lease_expires_at.is_(None), Video.lease_expires_at < now)


def _move(session: Session, event: Event, video_ids: int | Iterable[int], now: datetime | None = None,
          **values: Any) -> int:
    """Perform `event` on the videos it allows; the number of rows that moved."""
    from sqlalchemy import update

    from videoflix.db.models import Video

    rows = _rows(event)
    if any(t.sources != {t.target} for t in rows):  # a transition within a state leaves status alone
        values = {"status": rows[0].target.value, **values}
    which = Video.id == video_ids if isinstance(video_ids, int) else Video.id.in_(list(video_ids))
    return session.execute(update(Video).where(which, _allowed(event, now)).values(**values)).rowcount


def new_video(**fields: Any) -> Video:
    """A video row awaiting its upload (not yet added to a session)."""
    from videoflix.db.models import Video

    return Video(status=INITIAL_STATE.value, progress=0, renditions=[], attempts=0, **fields)


def complete_upload(session: Session, video_id: int) -> bool:
    """`uploaded`, unless the transcoder already claimed it from S3's event; the multipart upload is
    forgotten either way (it is complete)."""
    from sqlalchemy import update

    from videoflix.db.models import Video

    moved = _move(session, Event.UPLOAD_COMPLETED, video_id)
    session.execute(update(Video).where(Video.id == video_id).values(upload_id=None))
    return bool(moved)


def refuse_upload(session: Session, video_id: int, reason: str) -> bool:
    """Whatever state the upload reached, it ends failed with the reason."""
    return bool(_move(session, Event.UPLOAD_REFUSED, video_id, error=reason, upload_id=None, progress=0,
                      lease_expires_at=None))


def claim(session: Session, video_id: int, now: datetime, time_budget: int) -> bool:
    """Take the video for one transcode attempt (counted), under a lease that outlives the budget."""
    from videoflix.db.models import Video

    return bool(_move(session, Event.CLAIMED, video_id, now, lease_expires_at=now + lease_duration(time_budget),
                      attempts=Video.attempts + 1, progress=0, error=None, upload_id=None))


def report_progress(session: Session, video_id: int, percent: int) -> bool:
    """0-99: 100 is for a published video only."""
    return bool(_move(session, Event.PROGRESS, video_id, progress=max(0, min(99, int(percent)))))


def renew_lease(session: Session, video_id: int, time_budget: int, progress: int | None = None) -> bool:
    """Keep the lease while work goes on, so nobody takes the film over meanwhile."""
    from videoflix.db.models import utcnow

    values: dict[str, Any] = {"lease_expires_at": utcnow() + lease_duration(time_budget)}
    if progress is not None:
        values["progress"] = progress
    return bool(_move(session, Event.LEASE_RENEWED, video_id, **values))


def end_leases(session: Session, video_ids: Iterable[int]) -> int:
    """End the leases of videos whose workers are known to be gone: the next sweep moves them on."""
    return _move(session, Event.LEASE_ENDED, video_ids, lease_expires_at=None)


def publish(session: Session, video_id: int, *, duration: float, width: int, height: int,
            renditions: list[str], thumbnail_key: str | None) -> bool:
    from videoflix.db.models import utcnow

    return bool(_move(session, Event.PUBLISHED, video_id, progress=100, error=None, lease_expires_at=None,
                      ready_at=utcnow(), duration=duration, width=width, height=height, renditions=renditions,
                      thumbnail_key=thumbnail_key))


def fail(session: Session, video_id: int, reason: str) -> bool:
    return bool(_move(session, Event.FAILED, video_id, error=reason, lease_expires_at=None, progress=0))


def release_for_retry(session: Session, video_id: int, reason: str) -> bool:
    return bool(_move(session, Event.RELEASED_FOR_RETRY, video_id, error=f"Retrying after: {reason}",
                      lease_expires_at=None, progress=0))


def requeue_expired(session: Session, video_id: int, now: datetime, reason: str) -> bool:
    return bool(_move(session, Event.LEASE_EXPIRED_REQUEUED, video_id, now, lease_expires_at=None, progress=0,
                      error=reason))


def fail_expired(session: Session, video_id: int, now: datetime, reason: str) -> bool:
    return bool(_move(session, Event.LEASE_EXPIRED_FAILED, video_id, now, lease_expires_at=None, progress=0,
                      error=reason))


def retry_by_admin(session: Session, video_id: int) -> bool:
    """A failed video back to `uploaded`, its attempts counted afresh."""
    return bool(_move(session, Event.RETRIED_BY_ADMIN, video_id, error=None, progress=0, attempts=0,
                      lease_expires_at=None))
