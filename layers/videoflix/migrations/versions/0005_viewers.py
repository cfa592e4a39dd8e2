"""viewers: watch progress (continue watching) and caption tracks

Revision ID: 0005
Revises: 0004

Both tables are keyed by their natural pair ((user, video) and (video, lang)): no id column,
so nothing here can hand out a reused id. Deleting a film or an account removes its rows.
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watch_progress",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position_seconds", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_watch_progress_user_updated", "watch_progress", ["user_id", "updated_at"])
    op.create_index("ix_watch_progress_video_id", "watch_progress", ["video_id"])
    op.create_table(
        "captions",
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("lang", sa.String(35), primary_key=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("cues", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("captions")
    op.drop_index("ix_watch_progress_video_id", table_name="watch_progress")
    op.drop_index("ix_watch_progress_user_updated", table_name="watch_progress")
    op.drop_table("watch_progress")
