"""staff console: published videos, account session cut-off, admin history

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every film already there stays visible: the server default fills the existing rows.
    op.add_column("videos", sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column("users", sa.Column("tokens_valid_after", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "admin_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_admin_history_at", "admin_history", ["at"])


def downgrade() -> None:
    op.drop_index("ix_admin_history_at", table_name="admin_history")
    op.drop_table("admin_history")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("tokens_valid_after")
    with op.batch_alter_table("videos") as batch:
        batch.drop_column("published")
