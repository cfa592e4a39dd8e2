"""playback insights: rollups per film and hour/day, and the aggregator's per-view records

Revision ID: 0009
Revises: 0008

`playback_hourly` and `playback_daily` hold the sums a film's playback adds up to (views,
watched and stalled seconds, the startup-time histogram, rendition and codec mix...);
`playback_views` and `playback_batches` are what the aggregator needs to count each batch
once and each view once, pruned after PLAYBACK_RETENTION_DAYS (videoflix.domain.insights).
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def rollup_columns() -> list[sa.Column]:
    return [
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("failed_views", sa.Integer(), nullable=False),
        sa.Column("unique_viewers", sa.Integer(), nullable=False),
        sa.Column("watched_seconds", sa.Float(), nullable=False),
        sa.Column("stalled_seconds", sa.Float(), nullable=False),
        sa.Column("stalls", sa.Integer(), nullable=False),
        sa.Column("completion_sum", sa.Float(), nullable=False),
        sa.Column("startup_histogram", sa.JSON(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("seeks", sa.Integer(), nullable=False),
        sa.Column("switches", sa.Integer(), nullable=False),
        sa.Column("heights", sa.JSON(), nullable=False),
        sa.Column("codecs", sa.JSON(), nullable=False),
        sa.Column("browsers", sa.JSON(), nullable=False),
        sa.Column("fatal_errors", sa.JSON(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "playback_hourly",
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("hour", sa.DateTime(timezone=True), primary_key=True),
        *rollup_columns(),
    )
    op.create_index("ix_playback_hourly_hour", "playback_hourly", ["hour"])
    op.create_table(
        "playback_daily",
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        *rollup_columns(),
    )
    op.create_index("ix_playback_daily_day", "playback_daily", ["day"])
    op.create_table(
        "playback_views",
        sa.Column("view_key", sa.String(96), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("viewer", sa.String(64), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("watched_seconds", sa.Float(), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_playback_views_video_viewer_hour", "playback_views", ["video_id", "viewer", "hour"])
    op.create_index("ix_playback_views_created_at", "playback_views", ["created_at"])
    op.create_table(
        "playback_batches",
        sa.Column("view_key", sa.String(96), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_playback_batches_received_at", "playback_batches", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_playback_batches_received_at", table_name="playback_batches")
    op.drop_table("playback_batches")
    op.drop_index("ix_playback_views_created_at", table_name="playback_views")
    op.drop_index("ix_playback_views_video_viewer_hour", table_name="playback_views")
    op.drop_table("playback_views")
    op.drop_index("ix_playback_daily_day", table_name="playback_daily")
    op.drop_table("playback_daily")
    op.drop_index("ix_playback_hourly_hour", table_name="playback_hourly")
    op.drop_table("playback_hourly")
