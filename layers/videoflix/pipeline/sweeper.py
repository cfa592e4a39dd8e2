"""The scheduled sweeper: stale transcode leases and orphaned media output.

A transcoder that dies mid-run (Lambda's timeout, out of memory, a crash of the container)
cannot clean up: its video stays `processing` under a lease that expires. SQS brings the
message back after the queue's visibility timeout (6 x 900 s) and that delivery claims the
video again, but only while the message has receives left: the one that dies on the last
attempt goes to the dead-letter queue, and nothing would ever touch the video again. So the
sweeper, for each video whose lease has expired:

- REQUEUES it while attempts remain (`uploaded` again, and a message on the transcode queue,
  shaped like S3's, as the admin's retry does). It does not wait for SQS's own redelivery,
  which may be up to 90 minutes away; when that one comes as well, the claim makes it a no-op.
- FAILS it, with the reason, once its attempts are spent: a film that kills its worker every
  time needs a person (the admin sees the reason and can retry), not another loop.

It also deletes what is under `videos/<id>/` in the media bucket for ids without a row, or
whose row is neither `ready` (published) nor `processing` (being written): output left by
a delete or a failure whose own clean-up failed, and what is under `uploads/<id>/` in the upload
bucket for ids without a row (a deleted film whose files outlived it). Only objects older than
the sweep's start (minus a grace period) are deleted, so a transcode that claims a video after its
status was read here keeps everything it writes.

It deletes the retired media (videoflix.db.retired_media): a replaced poster or caption file once
every URL that may name it has expired (media_layout.retired_kept_seconds after it was retired),
and a new poster or caption file whose change never committed (it was announced before it was
written), unless a row names the object again.

It sends the message of an AV1 job again (videoflix.pipeline.av1) that waits longer than a lease
for one (its message was lost after the commit that queued it) or whose worker died under an
expired lease; the claim makes a duplicate harmless.

Last, it sends the mail outbox's rows still unsent a minute after their commit (the mail
queue was unreachable then) and deletes rows sent a week ago (videoflix.adapters.mail.outbox),
and deletes the insights aggregator's per-view records older than PLAYBACK_RETENTION_DAYS
(videoflix.db.insights; the rollups stay).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from videoflix.db import av1_jobs, retired_media, video_transitions as lifecycle
from videoflix.db.insights import prune_playback_records
from videoflix.db.models import Video, utcnow
from videoflix.domain.attempts import TRANSCODE_MAX_ATTEMPTS
from videoflix.domain.media_layout import kept_with_output, media_prefix, retired_kept_seconds, upload_prefix
from videoflix.domain.ports import Storage
from videoflix.domain.video_states import VideoState
from videoflix.observability import metrics
from videoflix.observability.logs import log_context
from videoflix.services import Services

log = logging.getLogger("videoflix.sweeper")

ORPHAN_GRACE = timedelta(minutes=5)
MEDIA_ROOT = "videos/"
UPLOAD_ROOT = "uploads/"
KEEP_OUTPUT = (VideoState.READY, VideoState.PROCESSING)


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    orphans_deleted: dict[str, int] = field(default_factory=dict)  # prefix -> objects deleted
    mail_resent: int = 0
    mail_pruned: int = 0
    av1_requeued: list[int] = field(default_factory=list)  # logged; not in as_dict, whose shape is kept
    playback_records_pruned: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"requeued": self.requeued, "failed": self.failed, "orphans_deleted": self.orphans_deleted,
                "mail": {"resent": self.mail_resent, "pruned": self.mail_pruned},
                "playback_records_pruned": self.playback_records_pruned}


class Sweeper:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.storage: Storage = services.storage

    def run(self, now: datetime | None = None) -> SweepReport:
        now = now or utcnow()
        report = SweepReport()
        self.sweep_leases(now, report)
        self.sweep_orphans(now, report)
        self.sweep_retired(now, report)
        self.sweep_mail(now, report)
        self.sweep_av1(now, report)
        log.info("sweep: %s; AV1 jobs requeued: %s", report.as_dict(), report.av1_requeued)
        self.sweep_playback_records(now, report)
        log.info("sweep: %s", report.as_dict())
        return report

    # -- stale leases ----------------------------------------------------------------------
    def sweep_leases(self, now: datetime, report: SweepReport) -> None:
        with self.services.db.session() as session:
            candidates = session.execute(select(Video.id, Video.attempts).where(
                Video.status == VideoState.PROCESSING, lifecycle.lease_expired(now)).order_by(Video.id)).all()
        metrics.emit(metrics.EXPIRED_LEASES, len(candidates))  # 0 too: the alarm sees the sweeper is alive
        for video_id, attempts in candidates:
            with log_context(video_id=video_id):
                self._sweep_lease(video_id, attempts, now, report)

    def _sweep_lease(self, video_id: int, attempts: int, now: datetime, report: SweepReport) -> None:
        if attempts >= TRANSCODE_MAX_ATTEMPTS:
            reason = (f"The transcoder stopped without finishing (a timeout or a crash) on attempt "
                      f"{attempts} of {TRANSCODE_MAX_ATTEMPTS}. Check the file and use retry.")
            if self._take_over(video_id, VideoState.FAILED,
                               lambda session: lifecycle.fail_expired(session, video_id, now, reason,
                                                                     stage="sweeper")):
                report.failed.append(video_id)
        elif self._take_over(video_id, VideoState.UPLOADED, lambda session: lifecycle.requeue_expired(
                session, video_id, now, f"Requeued after attempt {attempts}: the transcoder stopped "
                                        "without finishing."), then=self._requeue):
            report.requeued.append(video_id)

    def _take_over(self, video_id: int, state: VideoState, move: Callable[[Session], bool],
                   then: Callable[[Video], None] | None = None) -> bool:
        """Move a still-stale video on; `then` runs inside the transaction (a failure rolls back)."""
        with self.services.db.session() as session:
            won = move(session)
            if won and then is not None:
                then(session.get(Video, video_id))
        if won:
            log.warning("video %s: lease expired; now %s", video_id, state)
        return won

    def _requeue(self, video: Video) -> None:
        self.services.transcode_queue.request(video.source_key, video.size, "Requeue")

    # -- AV1 jobs without a message ----------------------------------------------------------
    def sweep_av1(self, now: datetime, report: SweepReport) -> None:
        with self.services.db.session() as session:
            stuck = av1_jobs.stuck(session, now, now - lifecycle.lease_duration(self.settings.transcode_time_budget))
        for video_id in stuck:
            try:
                self.services.av1_queue.request_av1(video_id)
                report.av1_requeued.append(video_id)
            except Exception:  # the next sweep tries again
                log.exception("could not queue the AV1 job of video %s again", video_id)
        with self.services.db.session() as session:  # a long film's chunks (pipeline/av1_chunks.py)
            chunks = av1_jobs.stuck_chunks(session, now, now - lifecycle.lease_duration(self.settings.transcode_time_budget))
        for video_id, index in chunks:
            try:
                self.services.av1_queue.send_av1_chunks(video_id, [index])
                report.av1_requeued.append(video_id)
            except Exception:  # the next sweep tries again
                log.exception("could not queue AV1 chunk %s of video %s again", index, video_id)

    # -- orphaned output -------------------------------------------------------------------
    def sweep_orphans(self, now: datetime, report: SweepReport) -> None:
        bucket = self.settings.media_bucket
        self.sweep_orphan_uploads(now, report)
        prefixes = {}
        for prefix in self.storage.child_prefixes(bucket, MEDIA_ROOT):
            name = prefix[len(MEDIA_ROOT):].rstrip("/")
            if name.isascii() and name.isdigit() and len(name) <= 12 and prefix == media_prefix(int(name)):
                prefixes[int(name)] = prefix
        if not prefixes:
            return
        with self.services.db.session() as session:
            statuses = dict(session.execute(select(Video.id, Video.status).where(Video.id.in_(list(prefixes)))).all())
        for video_id, prefix in sorted(prefixes.items()):
            if statuses.get(video_id) in KEEP_OUTPUT:
                continue
            # A film's captions stay while its row does (a retry publishes beside them).
            keep = kept_with_output(prefix) if video_id in statuses else ()
            deleted = self.storage.delete_prefix(bucket, prefix, older_than=now - ORPHAN_GRACE, keep=keep)
            if deleted:
                report.orphans_deleted[prefix] = deleted
                log.warning("deleted %d orphaned objects under %s (video %s)", deleted, prefix,
                            statuses.get(video_id, "without a row"))

    def sweep_orphan_uploads(self, now: datetime, report: SweepReport) -> None:
        """`uploads/<id>/` of ids without a row: a deleted film whose upload's deletion failed."""
        bucket = self.settings.upload_bucket
        prefixes = {}
        for prefix in self.storage.child_prefixes(bucket, UPLOAD_ROOT):
            name = prefix[len(UPLOAD_ROOT):].rstrip("/")
            if name.isascii() and name.isdigit() and len(name) <= 12 and prefix == upload_prefix(int(name)):
                prefixes[int(name)] = prefix
        if not prefixes:
            return
        with self.services.db.session() as session:
            known = set(session.scalars(select(Video.id).where(Video.id.in_(list(prefixes)))))
        for video_id, prefix in sorted(prefixes.items()):
            if video_id in known:
                continue
            deleted = self.storage.delete_prefix(bucket, prefix, older_than=now - ORPHAN_GRACE)
            if deleted:
                report.orphans_deleted[prefix] = deleted
                log.warning("deleted %d orphaned uploads under %s (video without a row)", deleted, prefix)

    # -- retired media ---------------------------------------------------------------------
    def sweep_retired(self, now: datetime, report: SweepReport) -> None:
        """Delete what was retired long enough ago for every URL of it to have expired, unless a row
        names it again (a track set back to an earlier text; a new file whose change committed)."""
        kept = timedelta(seconds=retired_kept_seconds(self.settings.max_video_duration,
                                                      self.settings.segment_url_margin))
        with self.services.db.session() as session:
            due = retired_media.due(session, now - kept)
        bucket = self.settings.media_bucket
        done: list[int] = []
        for row_id, video_id, key in due:
            with self.services.db.session() as session:
                named = key in retired_media.named_keys(session, video_id)
            if not named:
                # Written again just now (the same bytes, for a change being committed): kept.
                deleted = self.storage.delete_prefix(bucket, key, older_than=now - ORPHAN_GRACE)
                if deleted:
                    report.orphans_deleted[key] = deleted
                    log.info("deleted the retired %s (video %s)", key, video_id)
            done.append(row_id)
        with self.services.db.session() as session:
            retired_media.forget(session, done)

    # -- mail outbox -----------------------------------------------------------------------
    def sweep_mail(self, now: datetime, report: SweepReport) -> None:
        outbox, db = self.services.outbox, self.services.db
        report.mail_resent = outbox.resend_unsent(db, now)
        report.mail_pruned = outbox.prune_sent(db, now)


    # -- insights ------------------------------------------------------------------------------
    def sweep_playback_records(self, now: datetime, report: SweepReport) -> None:
        older_than = now - timedelta(days=self.settings.playback_retention_days)
        with self.services.db.session() as session:
            report.playback_records_pruned = prune_playback_records(session, older_than)


def sweep(services: Services) -> dict[str, Any]:
    return Sweeper(services).run().as_dict()
