"""The only writes of a film's AV1 job (models.Av1Job): each step one conditional UPDATE, like the film's own
transitions (videoflix.db.video_transitions), so duplicate deliveries and the sweeper race safely.

queued -> encoding (claimed, under a lease) -> ready | failed, or back to queued for a retry; a lease
that ran out lets the next delivery claim it again. None of this touches the film's own status.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from videoflix.db.models import Av1Job, Av1Status, Video, utcnow
from videoflix.db.session import record_changes
from videoflix.domain.changes import CatalogChanged
from videoflix.domain.video_states import VideoState, lease_duration


class Claimed(enum.Enum):
    YES = "yes"
    BUSY = "busy"  # another worker holds a live lease: try again later
    NOTHING = "nothing"  # no job (AV1 off, the film deleted) or it is settled: drop the message


def queue(session: Session, video_id: int, skipped_because: str | None = None) -> None:
    """A (new) AV1 job for a film being published, or one settled as skipped at once (`skipped_because`);
    an earlier one of the same film is replaced."""
    session.execute(delete(Av1Job).where(Av1Job.video_id == video_id))
    session.add(Av1Job(video_id=video_id, status=Av1Status.SKIPPED if skipped_because else Av1Status.QUEUED,
                       progress=0, attempts=0, renditions=[], error=skipped_because, queued_at=utcnow()))


def claim(session: Session, video_id: int, now: datetime, time_budget: int) -> tuple[Claimed, int]:
    """(outcome, attempts counted with this one): a queued job, or an encoding one whose lease ran out,
    of a film that is ready."""
    ready = select(Video.id).where(Video.id == video_id, Video.status == VideoState.READY).exists()
    moved = session.execute(update(Av1Job).where(
        Av1Job.video_id == video_id, ready,
        or_(Av1Job.status == Av1Status.QUEUED,
            and_(Av1Job.status == Av1Status.ENCODING,
                 or_(Av1Job.lease_expires_at.is_(None), Av1Job.lease_expires_at < now))))
        .values(status=Av1Status.ENCODING, lease_expires_at=now + lease_duration(time_budget),
                attempts=Av1Job.attempts + 1, progress=0, error=None)).rowcount
    if moved:
        return Claimed.YES, session.scalar(select(Av1Job.attempts).where(Av1Job.video_id == video_id)) or 1
    status = session.scalar(select(Av1Job.status).where(Av1Job.video_id == video_id))
    film_ready = session.scalar(select(ready))
    return (Claimed.BUSY if status == Av1Status.ENCODING and film_ready else Claimed.NOTHING), 0


def _encoding(video_id: int):
    return and_(Av1Job.video_id == video_id, Av1Job.status == Av1Status.ENCODING)


def report_progress(session: Session, video_id: int, percent: int) -> bool:
    return bool(session.execute(update(Av1Job).where(_encoding(video_id))
                                .values(progress=max(0, min(99, int(percent))))).rowcount)


def complete(session: Session, video_id: int, renditions: list[str]) -> bool:
    """The ladder joined the master: ready. The catalog's cached pages of the film are dropped after commit."""
    moved = session.execute(update(Av1Job).where(_encoding(video_id)).values(
        status=Av1Status.READY, progress=100, renditions=renditions, lease_expires_at=None, error=None,
        finished_at=utcnow())).rowcount
    if moved:
        record_changes(session, CatalogChanged())
    return bool(moved)


def fail(session: Session, video_id: int, reason: str) -> bool:
    """Failed for good: the film stays ready, in H.264 alone."""
    return bool(session.execute(update(Av1Job).where(_encoding(video_id)).values(
        status=Av1Status.FAILED, progress=0, error=reason, lease_expires_at=None, finished_at=utcnow())).rowcount)


def release_for_retry(session: Session, video_id: int, reason: str) -> bool:
    return bool(session.execute(update(Av1Job).where(_encoding(video_id)).values(
        status=Av1Status.QUEUED, progress=0, error=f"Retrying after: {reason}", lease_expires_at=None)).rowcount)


def stuck(session: Session, now: datetime, queued_before: datetime) -> list[int]:
    """Films whose AV1 job waits for a message that may be lost: queued long ago, or encoding with a
    lease run out (the sweeper queues them again)."""
    return list(session.scalars(select(Av1Job.video_id).where(or_(
        and_(Av1Job.status == Av1Status.QUEUED, Av1Job.queued_at < queued_before),
        and_(Av1Job.status == Av1Status.ENCODING, Av1Job.lease_expires_at < now)))))
