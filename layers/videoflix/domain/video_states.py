"""A video's life: its states and the transitions allowed between them (the writes: videoflix.db.video_transitions).

Status, transcode lease and progress of a video are written here and nowhere else. Each
transition is one conditional UPDATE whose WHERE comes from TRANSITIONS: concurrent
workers, duplicate deliveries, the sweeper and the admin race on these rows, and whoever's
UPDATE matches no row (rowcount 0) has lost and must not act. Every function answers
whether its row moved; none commits (the caller's session does, with its other changes).

Pure (no SQL): the models, the transitions' conditional updates and the use cases all read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

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


def transitions_of(event: Event) -> list[Transition]:
    """The rows of TRANSITIONS that `event` may take."""
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
    for transition in transitions_of(event):
        if state in transition.sources and _lease_passes(transition.guard, lease_expires_at, now):
            return transition.target
    return None


def lease_duration(time_budget: int) -> timedelta:
    return timedelta(seconds=time_budget + LEASE_MARGIN_SECONDS)
