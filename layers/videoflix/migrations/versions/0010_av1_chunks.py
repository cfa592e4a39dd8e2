"""av1 chunks: a long film's AV1 ladder encoded in chunk jobs, each with its own status, lease and attempts

Revision ID: 0010
Revises: 0009

`av1_chunks` holds the chunk jobs of a film's AV1 ladder when it is too long for one job
(videoflix.pipeline.av1_chunks); `av1_jobs` gets their plan, the count of chunks done and the
claim of whoever joins them to the master.
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("av1_jobs", sa.Column("plan", sa.JSON(), nullable=True))
    op.add_column("av1_jobs", sa.Column("chunks_total", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("av1_jobs", sa.Column("chunks_done", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("av1_jobs", sa.Column("finalizing_since", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "av1_chunks",
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("av1_jobs.video_id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("chunk_index", sa.Integer(), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("encode_seconds", sa.Float(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("av1_chunks")
    op.drop_column("av1_jobs", "finalizing_since")
    op.drop_column("av1_jobs", "chunks_done")
    op.drop_column("av1_jobs", "chunks_total")
    op.drop_column("av1_jobs", "plan")
