"""The only writes of a film's AV1 job (models.Av1Job): each step one conditional UPDATE, like the film's own
transitions (videoflix.db.video_transitions), so duplicate deliveries and the sweeper race safely.

queued -> encoding (claimed, under a lease) -> ready | failed, or back to queued for a retry; a lease
that ran out lets the next delivery claim it again. None of this touches the film's own status.

A long film's ladder in chunks (videoflix.pipeline.av1_chunks): the job is `encoding` with no lease
from its queueing on, its chunks (models.Av1Chunk) each queued -> encoding (leased) -> ready, or
back to queued; the one that records the last chunk claims the join (`finalizing_since`), and the
job ends ready or failed as above.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from videoflix.db.models import Av1Chunk, Av1Job, Av1Status, Video, utcnow
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


def queue_chunked(session: Session, video_id: int, plan: dict[str, Any], chunks: int) -> None:
    """A (new) AV1 job in `chunks` chunk jobs, encoding from now on (its chunks hold the leases)."""
    session.execute(delete(Av1Job).where(Av1Job.video_id == video_id))
    now = utcnow()
    session.add(Av1Job(video_id=video_id, status=Av1Status.ENCODING, progress=0, attempts=0, renditions=[],
                       queued_at=now, plan=plan, chunks_total=chunks, chunks_done=0))
    session.flush()
    session.add_all([Av1Chunk(video_id=video_id, chunk_index=index, status=Av1Status.QUEUED, attempts=0,
                              queued_at=now) for index in range(chunks)])


def claim(session: Session, video_id: int, now: datetime, time_budget: int) -> tuple[Claimed, int]:
    """(outcome, attempts counted with this one): a queued job, or an encoding one whose lease ran out,
    of a film that is ready. A chunked job is never claimed whole."""
    ready = select(Video.id).where(Video.id == video_id, Video.status == VideoState.READY).exists()
    moved = session.execute(update(Av1Job).where(
        Av1Job.video_id == video_id, ready, Av1Job.chunks_total == 0,
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


# -- a chunked job's chunks ------------------------------------------------------------------------------
class ChunkClaimed(enum.Enum):
    YES = "yes"
    BUSY = "busy"  # another worker holds its live lease
    DONE = "done"  # recorded already: a duplicate delivery
    NOTHING = "nothing"  # no such chunk, its job settled, or the film not ready: drop the message


def _chunked_and_encoding(video_id: int):
    ready = select(Video.id).where(Video.id == video_id, Video.status == VideoState.READY).exists()
    return select(Av1Job.video_id).where(Av1Job.video_id == video_id, Av1Job.status == Av1Status.ENCODING,
                                         Av1Job.chunks_total > 0, ready).exists()


def claim_chunk(session: Session, video_id: int, index: int, now: datetime,
                time_budget: int) -> tuple[ChunkClaimed, int, dict[str, Any] | None]:
    """(outcome, attempts counted with this one, the job's plan): a queued chunk, or an encoding one whose
    lease ran out, of a chunked job under way on a ready film."""
    live = _chunked_and_encoding(video_id)
    moved = session.execute(update(Av1Chunk).where(
        Av1Chunk.video_id == video_id, Av1Chunk.chunk_index == index, live,
        or_(Av1Chunk.status == Av1Status.QUEUED,
            and_(Av1Chunk.status == Av1Status.ENCODING,
                 or_(Av1Chunk.lease_expires_at.is_(None), Av1Chunk.lease_expires_at < now))))
        .values(status=Av1Status.ENCODING, lease_expires_at=now + lease_duration(time_budget),
                attempts=Av1Chunk.attempts + 1)).rowcount
    plan = session.scalar(select(Av1Job.plan).where(Av1Job.video_id == video_id))
    status, attempts = session.execute(select(Av1Chunk.status, Av1Chunk.attempts).where(
        Av1Chunk.video_id == video_id, Av1Chunk.chunk_index == index)).first() or (None, 0)
    if moved:
        return ChunkClaimed.YES, attempts, plan
    if not session.scalar(select(live)):
        return ChunkClaimed.NOTHING, 0, None
    if status == Av1Status.READY:
        return ChunkClaimed.DONE, attempts, plan
    return (ChunkClaimed.BUSY if status == Av1Status.ENCODING else ChunkClaimed.NOTHING), 0, None


def finish_chunk(session: Session, video_id: int, index: int, attempt: int, output: dict[str, Any],
                 seconds: float) -> tuple[int, int] | None:
    """Record a chunk's segments and count it, atomically: (done, total), or None when this attempt no
    longer owns the chunk (recorded by another delivery, or its job settled or replaced)."""
    won = session.execute(update(Av1Chunk).where(
        Av1Chunk.video_id == video_id, Av1Chunk.chunk_index == index, Av1Chunk.status == Av1Status.ENCODING,
        Av1Chunk.attempts == attempt, _chunked_and_encoding(video_id)).values(
        status=Av1Status.READY, output=output, encode_seconds=seconds, lease_expires_at=None,
        finished_at=utcnow())).rowcount
    if not won:
        return None
    # The row lock taken by this increment orders concurrent finishers: one alone sees the last chunk.
    session.execute(update(Av1Job).where(Av1Job.video_id == video_id).values(chunks_done=Av1Job.chunks_done + 1))
    done, total = session.execute(select(Av1Job.chunks_done, Av1Job.chunks_total)
                                  .where(Av1Job.video_id == video_id)).one()
    session.execute(update(Av1Job).where(_encoding(video_id)).values(progress=min(99, 99 * done // total)))
    return done, total


def release_chunk(session: Session, video_id: int, index: int, attempt: int) -> bool:
    """A failed chunk goes back to queued, for its message's redelivery alone."""
    return bool(session.execute(update(Av1Chunk).where(
        Av1Chunk.video_id == video_id, Av1Chunk.chunk_index == index, Av1Chunk.status == Av1Status.ENCODING,
        Av1Chunk.attempts == attempt).values(status=Av1Status.QUEUED, lease_expires_at=None)).rowcount)


def claim_join(session: Session, video_id: int, now: datetime, time_budget: int) -> bool:
    """True for the one caller that may join the chunks to the master (again, if a joiner died at it)."""
    return bool(session.execute(update(Av1Job).where(
        _encoding(video_id), Av1Job.chunks_total > 0, Av1Job.chunks_done >= Av1Job.chunks_total,
        or_(Av1Job.finalizing_since.is_(None), Av1Job.finalizing_since < now - lease_duration(time_budget)))
        .values(finalizing_since=now, attempts=Av1Job.attempts + 1)).rowcount)


def release_join(session: Session, video_id: int) -> int:
    """Let a redelivery join again; answers how many joins were tried."""
    session.execute(update(Av1Job).where(_encoding(video_id)).values(finalizing_since=None))
    return session.scalar(select(Av1Job.attempts).where(Av1Job.video_id == video_id)) or 0


def status(session: Session, video_id: int) -> str | None:
    return session.scalar(select(Av1Job.status).where(Av1Job.video_id == video_id))


def chunk_outputs(session: Session, video_id: int) -> list[tuple[int, dict[str, Any] | None]]:
    """(index, recorded output) of every chunk of the job, in order."""
    return [(index, output) for index, output in session.execute(
        select(Av1Chunk.chunk_index, Av1Chunk.output).where(Av1Chunk.video_id == video_id)
        .order_by(Av1Chunk.chunk_index)).all()]


def stuck_chunks(session: Session, now: datetime, queued_before: datetime) -> list[tuple[int, int]]:
    """(film, chunk) of chunks of a job under way whose message may be lost: queued long ago, or encoding
    with a lease run out; and the last chunk of a job whose chunks are all done but whose join never
    ended (its joiner died): its message, delivered again, joins them."""
    unjoined = [(video_id, total - 1) for video_id, total in session.execute(
        select(Av1Job.video_id, Av1Job.chunks_total).where(
            Av1Job.status == Av1Status.ENCODING, Av1Job.chunks_total > 0, Av1Job.chunks_done >= Av1Job.chunks_total,
            Av1Job.queued_at < queued_before,
            or_(Av1Job.finalizing_since.is_(None), Av1Job.finalizing_since < queued_before))).all()]
    return unjoined + [(video_id, index) for video_id, index in session.execute(
        select(Av1Chunk.video_id, Av1Chunk.chunk_index).join(Av1Job, Av1Job.video_id == Av1Chunk.video_id)
        .where(Av1Job.status == Av1Status.ENCODING, or_(
            and_(Av1Chunk.status == Av1Status.QUEUED, Av1Chunk.queued_at < queued_before),
            and_(Av1Chunk.status == Av1Status.ENCODING, Av1Chunk.lease_expires_at < now)))
        .order_by(Av1Chunk.video_id, Av1Chunk.chunk_index)).all()]


def stuck(session: Session, now: datetime, queued_before: datetime) -> list[int]:
    """Films whose AV1 job waits for a message that may be lost: queued long ago, or encoding with a
    lease run out (the sweeper queues them again)."""
    return list(session.scalars(select(Av1Job.video_id).where(or_(
        and_(Av1Job.status == Av1Status.QUEUED, Av1Job.queued_at < queued_before),
        and_(Av1Job.status == Av1Status.ENCODING, Av1Job.lease_expires_at < now)))))
