"""fan-out runs and their jobs

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fanout_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("jobs_total", sa.Integer(), nullable=False),
        sa.Column("jobs_done", sa.Integer(), nullable=False),
        sa.Column("finalizing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalize_attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,  # ids never reused: a late message must not find a newer run
    )
    op.create_index("ix_fanout_runs_video_id", "fanout_runs", ["video_id"])
    op.create_table(
        "fanout_jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("fanout_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("chunk_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("encode_seconds", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("run_id", "kind", "chunk_index", name="uq_fanout_jobs_run_kind_chunk"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_fanout_jobs_run_id", "fanout_jobs", ["run_id"])


def downgrade() -> None:
    op.drop_table("fanout_jobs")
    op.drop_table("fanout_runs")
