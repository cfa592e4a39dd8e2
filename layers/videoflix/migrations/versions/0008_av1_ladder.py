"""av1 ladder: one AV1 job per ready film, with its own status, lease and attempts

Revision ID: 0008
Revises: 0007

`av1_jobs` holds the AV1 ladder a film gets after its H.264 ladder is published
(videoflix.pipeline.av1): a failed AV1 job never touches the film's own status.
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "av1_jobs",
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("renditions", sa.JSON(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_av1_jobs_status", "av1_jobs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_av1_jobs_status", table_name="av1_jobs")
    op.drop_table("av1_jobs")
