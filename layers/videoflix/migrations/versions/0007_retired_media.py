"""retired media: caption files named by their digest, and objects kept until their URLs expire

Revision ID: 0007
Revises: 0006

`captions.file_key` names a track's file (NULL: the `<lang>.vtt` of a track added before);
`retired_media` lists the objects a change replaced or removed, deleted by the sweeper once
no URL handed out can still reach them.
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("captions", sa.Column("file_key", sa.String(512), nullable=True))
    op.create_table(
        "retired_media",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("video_id", sa.Integer(), sa.ForeignKey("videos.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key", sa.String(1024), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_retired_media_video_id", "retired_media", ["video_id"])
    op.create_index("ix_retired_media_retired_at", "retired_media", ["retired_at"])


def downgrade() -> None:
    op.drop_index("ix_retired_media_retired_at", table_name="retired_media")
    op.drop_index("ix_retired_media_video_id", table_name="retired_media")
    op.drop_table("retired_media")
    with op.batch_alter_table("captions") as batch:
        batch.drop_column("file_key")
