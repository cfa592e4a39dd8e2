"""SQLAlchemy 2.0 models of Videoflix."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, true)
from sqlalchemy import event, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from videoflix.db.session import record_changes
from videoflix.domain.changes import AccountChanged
from videoflix.domain.video_states import VideoState


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    # Ids of users, videos and mail are never reused either: migration 0003 rebuilds these tables with
    # AUTOINCREMENT on SQLite (see FanoutRun; PostgreSQL sequences never go back).

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(128))
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    date_joined: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Access and refresh tokens issued before this moment are refused (set when staff deactivate
    # the account, so enabling it again does not bring its old sessions back).
    tokens_valid_after: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # When a link sent to the address was first used (activation or password reset), or an operator
    # made the account active; None: nobody proved the address, so staff may not enable or promote it.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# What a login check reads of a users row (videoflix.auth.login_state caches it).
LOGIN_COLUMNS = ("email", "password_hash", "is_active", "is_staff", "tokens_valid_after")


@event.listens_for(Session, "before_flush")
def _record_account_changes(session: Session, _context, _instances) -> None:
    """Any writer's change of what a login check reads records AccountChanged in its transaction, so
    the cached login state is dropped after the commit (videoflix.effects); nobody can forget to."""
    for user in session.dirty:
        if isinstance(user, User) and user.id is not None and \
                any(inspect(user).attrs[name].history.has_changes() for name in LOGIN_COLUMNS):
            record_changes(session, AccountChanged(user.id))
    for user in session.deleted:
        if isinstance(user, User) and user.id is not None:
            record_changes(session, AccountChanged(user.id))


# The states and their transitions live in videoflix.db.video_transitions, the only writer of them.
VideoStatus = VideoState


class Video(Base):
    __tablename__ = "videos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default=VideoState.AWAITING_UPLOAD.value, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    source_key: Mapped[str] = mapped_column(String(512), unique=True)
    upload_id: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    renditions: Mapped[list] = mapped_column(JSON, default=list)
    thumbnail_key: Mapped[str | None] = mapped_column(String(512), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Viewers see (and play) only ready films that are published; staff preview the others.
    published: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class FanoutRun(Base):
    """One fanned-out transcode of a video: its plan, and how many of its jobs are done.

    `jobs_done` is counted on this one row, so concurrent finishers serialize on its lock and
    exactly one of them sees the last job done. A new attempt replaces the run (and its jobs):
    late messages of the old one then find nothing.
    """

    __tablename__ = "fanout_runs"
    # Ids are never reused, so a late message cannot find a newer run: migration 0002 creates this
    # table and fanout_jobs with AUTOINCREMENT on SQLite, where a plain rowid reuses the highest id.
    # Not declared here, because the SQLite dialect would then load in every function's cold start.

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    plan: Mapped[dict] = mapped_column(JSON)
    jobs_total: Mapped[int] = mapped_column(Integer)
    jobs_done: Mapped[int] = mapped_column(Integer, default=0)
    finalizing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finalize_attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FanoutJobStatus:
    PENDING = "pending"
    DONE = "done"


class FanoutJob(Base):
    """One chunk of video (all rungs) or the audio of a run, with the segments it recorded."""

    __tablename__ = "fanout_jobs"
    __table_args__ = (UniqueConstraint("run_id", "kind", "chunk_index", name="uq_fanout_jobs_run_kind_chunk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("fanout_runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    chunk_index: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=FanoutJobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    output: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    encode_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMail(Base):
    """One email to send, written in the transaction of the change that causes it (transactional outbox).

    After the commit it is relayed to the mail queue (`sent_at`, its context then emptied: the links
    in it are credentials); the sweeper re-sends rows left unsent. The mailer claims the key for a
    short while (`claimed_until`) and marks `delivered_at` once SES accepted: one email per key,
    however often SQS delivers the job. See videoflix.adapters.mail.outbox.
    """

    __tablename__ = "mail_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    template: Mapped[str] = mapped_column(String(50))
    context: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WatchProgress(Base):
    """Where a viewer stopped in a film (continue watching); one row per viewer and film.

    Keyed by (user, video), no id of its own: deleting the account or the film removes it (CASCADE).
    Written at most every WATCH_PROGRESS_INTERVAL seconds (videoflix.viewer.viewing coalesces in Redis).
    """

    __tablename__ = "watch_progress"
    __table_args__ = (Index("ix_watch_progress_user_updated", "user_id", "updated_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True, index=True)
    position_seconds: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Caption(Base):
    """A WebVTT caption track of a film in one language; its file is `file_key`
    (`videos/<id>/captions/<lang>.<digest>.vtt`, videoflix.domain.media_layout.caption_key; NULL for a
    track added before files were named by their digest: `<lang>.vtt`).

    Keyed by (video, lang), no id of its own; deleting the film removes it (CASCADE).
    """

    __tablename__ = "captions"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(35), primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    cues: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    file_key: Mapped[str | None] = mapped_column(String(512), nullable=True)


class RetiredMedia(Base):
    """A media object no row names any more (a replaced poster or caption file, a removed track),
    kept until every URL that may still name it has expired; then the sweeper deletes it
    (videoflix.db.retired_media). Written in the transaction of the change that retires it.
    """

    __tablename__ = "retired_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(1024))
    retired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class AdminHistory(Base):
    """One change made by staff, written in the transaction of the change (videoflix.staff.history).

    The actor is kept as an email address, not a foreign key: the row outlives the account.
    """

    __tablename__ = "admin_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(100))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)


class Av1Status:
    """The statuses of an AV1 job (Av1Job.status)."""

    QUEUED = "queued"
    ENCODING = "encoding"
    READY = "ready"
    FAILED = "failed"
    SKIPPED = "skipped"  # too long to encode in one job: the film plays in H.264


class Av1Job(Base):
    """A ready film's AV1 ladder, encoded after it was published (videoflix.pipeline.av1).

    One row per film, written in the transaction that publishes its H.264 ladder; its own lease,
    attempts and status (Av1Status), so a duplicate delivery encodes once and a failure never
    touches the film's status. Deleting the film removes it (CASCADE).
    """

    __tablename__ = "av1_jobs"

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default=Av1Status.QUEUED, index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    renditions: Mapped[list] = mapped_column(JSON, default=list)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A long film's ladder in chunk jobs (videoflix.pipeline.av1_chunks): their plan, how many are done,
    # and the claim of whoever joins them. chunks_total 0: one job encodes the whole ladder.
    plan: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    chunks_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chunks_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finalizing_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Av1Chunk(Base):
    """One chunk job of a long film's AV1 ladder: a range of whole segments of every rung, with its own
    status (Av1Status: queued, encoding, ready), lease and attempts, and the segments it recorded."""

    __tablename__ = "av1_chunks"

    video_id: Mapped[int] = mapped_column(ForeignKey("av1_jobs.video_id", ondelete="CASCADE"), primary_key=True)
    chunk_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default=Av1Status.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    output: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    encode_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# ---------------------------------------------------------------- insights (videoflix.domain.insights)
class RollupColumns:
    """The sums of a rollup (videoflix.domain.insights.Rollup): an hour's or a day's of one film."""

    views: Mapped[int] = mapped_column(Integer, default=0)
    failed_views: Mapped[int] = mapped_column(Integer, default=0)
    unique_viewers: Mapped[int] = mapped_column(Integer, default=0)
    watched_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    stalled_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    stalls: Mapped[int] = mapped_column(Integer, default=0)
    completion_sum: Mapped[float] = mapped_column(Float, default=0.0)
    startup_histogram: Mapped[list] = mapped_column(JSON, default=list)  # counts per fixed log-spaced bucket
    errors: Mapped[int] = mapped_column(Integer, default=0)
    seeks: Mapped[int] = mapped_column(Integer, default=0)
    switches: Mapped[int] = mapped_column(Integer, default=0)
    heights: Mapped[dict] = mapped_column(JSON, default=dict)
    codecs: Mapped[dict] = mapped_column(JSON, default=dict)
    browsers: Mapped[dict] = mapped_column(JSON, default=dict)
    fatal_errors: Mapped[dict] = mapped_column(JSON, default=dict)


class PlaybackHourly(RollupColumns, Base):
    """One film's playback in one hour (UTC); deleting the film removes it."""

    __tablename__ = "playback_hourly"
    __table_args__ = (Index("ix_playback_hourly_hour", "hour"),)

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)


class PlaybackDaily(RollupColumns, Base):
    """One film's playback in one day (UTC): the totals over long ranges read these."""

    __tablename__ = "playback_daily"
    __table_args__ = (Index("ix_playback_daily_day", "day"),)

    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class PlaybackView(Base):
    """What the aggregator keeps of one view between its batches, for PLAYBACK_RETENTION_DAYS.

    `viewer` is a keyed hash of the account (videoflix.viewer.playback.viewer_key), never its id.
    """

    __tablename__ = "playback_views"
    __table_args__ = (Index("ix_playback_views_video_viewer_hour", "video_id", "viewer", "hour"),)

    view_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    viewer: Mapped[str] = mapped_column(String(64))
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    watched_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    failed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class PlaybackBatchSeen(Base):
    """A batch the aggregator has folded, (view, seq): its redelivery adds nothing. Kept PLAYBACK_RETENTION_DAYS."""

    __tablename__ = "playback_batches"

    view_key: Mapped[str] = mapped_column(String(96), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
