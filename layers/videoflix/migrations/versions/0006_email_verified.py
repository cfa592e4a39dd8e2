"""users.email_verified_at: when a link sent to the address was first used

Revision ID: 0006
Revises: 0005

Staff may enable or promote an account only once its address is confirmed (activation or a
password reset link), never one somebody merely registered. Backfill: an account that is
active, or that staff disabled (it was active before), counts as confirmed when it joined or
last logged in; an account never activated stays unconfirmed.
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_verified_at = COALESCE(last_login, date_joined) "
               "WHERE is_active OR tokens_valid_after IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified_at")
