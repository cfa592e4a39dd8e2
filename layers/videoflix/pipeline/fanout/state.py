"""The fan-out's state machine in the database: runs, their jobs, the count of finished jobs.

Every step is a conditional update, so duplicate deliveries, late messages of an earlier
attempt and a video deleted mid-run are all recognised here, and the worker only acts on
what this module answers. Works the same on SQLite and PostgreSQL.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable

from sqlalchemy import delete, or_, select, update

from videoflix.db import video_transitions as lifecycle
from videoflix.db.models import FanoutJob, FanoutJobStatus, FanoutRun, Video, utcnow
from videoflix.db.database import Database
from videoflix.domain.video_states import VideoState
from videoflix.pipeline.fanout.plan import FanoutPlan


@dataclass(frozen=True)
class JobContext:
    job_id: int
    run_id: int
    video_id: int
    kind: str
    chunk_index: int
    attempts: int
    done: bool
    plan: FanoutPlan


class Finish(enum.Enum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"  # an earlier delivery recorded this job already
    GONE = "gone"  # the run was replaced or the video failed or deleted: the output is nobody's


@dataclass(frozen=True)
class FinishedJob:
    outcome: Finish
    done: int = 0
    total: int = 0


class _Gone(Exception):
    """Rolls a recording back when the video turns out not to be processing any more."""


class FanoutState:
    def __init__(self, db: Database, time_budget: int) -> None:
        self.db = db
        self.lease = lifecycle.lease_duration(time_budget)  # a finalizer's claim lasts as long as a lease
        self.time_budget = time_budget

    def _heartbeat(self, session, video_id: int, progress: int | None = None) -> bool:
        """Keep the video's lease while jobs progress, so nobody takes the film over meanwhile."""
        return lifecycle.renew_lease(session, video_id, self.time_budget, progress)

    def start_run(self, video_id: int, plan: FanoutPlan) -> tuple[int, list[int]] | None:
        """Replace any earlier run of the video with a new one; None if the video is no longer ours."""
        jobs = plan.jobs()
        with self.db.session() as session:
            if not self._heartbeat(session, video_id, progress=0):
                return None
            session.execute(delete(FanoutRun).where(FanoutRun.video_id == video_id))
            run = FanoutRun(video_id=video_id, plan=plan.to_json(), jobs_total=len(jobs), jobs_done=0,
                            finalize_attempts=0, created_at=utcnow())
            session.add(run)
            session.flush()
            rows = [FanoutJob(run_id=run.id, kind=kind, chunk_index=index, status=FanoutJobStatus.PENDING,
                              attempts=0) for kind, index in jobs]
            session.add_all(rows)
            session.flush()
            return run.id, [row.id for row in rows]

    def begin_job(self, job_id: int, receive_count: int = 1) -> JobContext | None:
        """The job with its plan, counting this attempt; None when its run or video is gone."""
        with self.db.session() as session:
            found = session.execute(select(FanoutJob, FanoutRun).join(FanoutRun, FanoutJob.run_id == FanoutRun.id)
                                    .where(FanoutJob.id == job_id)).first()
            if found is None:
                return None
            job, run = found
            done, earlier_attempts = job.status == FanoutJobStatus.DONE, job.attempts
            if not done:
                if not self._heartbeat(session, run.video_id):
                    return None
                session.execute(update(FanoutJob).where(FanoutJob.id == job_id)
                                .values(attempts=FanoutJob.attempts + 1))
            elif session.scalar(select(Video.status).where(Video.id == run.video_id)) != VideoState.PROCESSING:
                return None
            # A crash may skip the count in the database, never SQS's receive count.
            attempts = max(earlier_attempts + (0 if done else 1), receive_count)
            return JobContext(job_id, run.id, run.video_id, job.kind, job.chunk_index, attempts, done,
                              FanoutPlan.from_json(run.plan))

    def finish_job(self, context: JobContext, output: dict[str, Any], seconds: float) -> FinishedJob:
        """Record the job's segments and count it, atomically: one finisher alone sees the last one."""
        try:
            with self.db.session() as session:
                won = session.execute(update(FanoutJob).where(
                    FanoutJob.id == context.job_id, FanoutJob.status == FanoutJobStatus.PENDING).values(
                    status=FanoutJobStatus.DONE, output=output, encode_seconds=seconds,
                    finished_at=utcnow())).rowcount
                if not won:
                    exists = session.scalar(select(FanoutJob.id).where(FanoutJob.id == context.job_id))
                    return FinishedJob(Finish.DUPLICATE if exists else Finish.GONE)
                # The row lock taken by this increment orders concurrent finishers.
                session.execute(update(FanoutRun).where(FanoutRun.id == context.run_id)
                                .values(jobs_done=FanoutRun.jobs_done + 1))
                done, total = session.execute(select(FanoutRun.jobs_done, FanoutRun.jobs_total)
                                              .where(FanoutRun.id == context.run_id)).one()
                if not self._heartbeat(session, context.video_id, progress=min(99, 99 * done // total)):
                    raise _Gone()
                return FinishedJob(Finish.RECORDED, done, total)
        except _Gone:
            return FinishedJob(Finish.GONE)

    def claim_finalize(self, run_id: int) -> bool:
        """True for the one caller that may write the playlists (again, if a finisher died at it)."""
        now = utcnow()
        with self.db.session() as session:
            return bool(session.execute(update(FanoutRun).where(
                FanoutRun.id == run_id, FanoutRun.jobs_done >= FanoutRun.jobs_total,
                or_(FanoutRun.finalizing_since.is_(None), FanoutRun.finalizing_since < now - self.lease))
                .values(finalizing_since=now, finalize_attempts=FanoutRun.finalize_attempts + 1)).rowcount)

    def release_finalize(self, run_id: int) -> int:
        """Let a redelivery finalize again; answers how many attempts were made."""
        with self.db.session() as session:
            session.execute(update(FanoutRun).where(FanoutRun.id == run_id).values(finalizing_since=None))
            return session.scalar(select(FanoutRun.finalize_attempts).where(FanoutRun.id == run_id)) or 0

    def outputs(self, run_id: int) -> list[tuple[str, int, dict[str, Any]]]:
        """(kind, chunk index, recorded output) of every job of the run, chunks in order."""
        with self.db.session() as session:
            rows = session.execute(select(FanoutJob.kind, FanoutJob.chunk_index, FanoutJob.output)
                                   .where(FanoutJob.run_id == run_id)
                                   .order_by(FanoutJob.kind, FanoutJob.chunk_index)).all()
            return [(kind, index, output or {}) for kind, index, output in rows]

    def encode_seconds(self, run_id: int) -> list[float]:
        with self.db.session() as session:
            return [s for s in session.scalars(select(FanoutJob.encode_seconds).where(FanoutJob.run_id == run_id))
                    if s is not None]

    def mark_ready(self, run_id: int, video_id: int, on_publish: Callable[[Any, bool], Any] | None = None,
                   **values: Any) -> bool:
        """Publish the video and drop the finished run, in one transaction; False if it is no longer ours.
        `on_publish(session, published)` adds to that transaction (the AV1 job, pipeline/av1.py)."""
        with self.db.session() as session:
            if not self._drop_run(session, run_id):
                return False
            published = lifecycle.publish(session, video_id, **values)
            if on_publish is not None:
                on_publish(session, published)
            return published

    def fail(self, run_id: int, video_id: int, reason: str, stage: str | None = None) -> bool:
        """Fail the video and drop the run: its other jobs then find nothing and discard their work."""
        with self.db.session() as session:
            if not self._drop_run(session, run_id):
                return False
            return lifecycle.fail(session, video_id, reason, stage=stage)

    @staticmethod
    def _drop_run(session, run_id: int) -> bool:
        """Delete the run first: a run replaced by a newer attempt must not decide the video's fate."""
        return bool(session.execute(delete(FanoutRun).where(FanoutRun.id == run_id)).rowcount)
