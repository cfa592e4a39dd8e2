"""mail outbox; users and videos ids never reused on SQLite

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# SQLite gives a new row the highest id + 1 unless the table is AUTOINCREMENT, so deleting the
# newest video handed its id to the next one, and a late upload event could land on the wrong
# film. PostgreSQL sequences never go back: there, only the outbox table is new.
REBUILT = ("users", "videos")


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild(table: str, autoincrement: bool) -> None:
    # A batch rebuild copies every row (ids included) into the new table, then swaps the names.
    # env.py turns SQLite's foreign keys off meanwhile: dropping the old `videos` would otherwise
    # cascade into fanout_runs.
    with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("template", sa.String(50), nullable=False),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_mail_outbox_sent_at", "mail_outbox", ["sent_at"])
    if _sqlite():
        for table in REBUILT:
            _rebuild(table, autoincrement=True)


def downgrade() -> None:
    if _sqlite():
        for table in REBUILT:
            _rebuild(table, autoincrement=False)
    op.drop_index("ix_mail_outbox_sent_at", table_name="mail_outbox")
    op.drop_table("mail_outbox")
