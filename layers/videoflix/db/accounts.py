"""The users rows a login and a login check read, in plain SQL (videoflix.db.plain: no ORM on a cold start).

The table is the ORM's `users` (videoflix.db.models.User); tests/integration/auth/test_plain_accounts.py
reads rows the ORM wrote and the ORM reads what these write, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime

from videoflix.db.plain import PlainSql

_COLUMNS = "id, email, password_hash, is_active, is_staff, tokens_valid_after"


class AccountRow:
    """What a login and a login check need of a users row (a plain class: no ORM, no dataclass build)."""

    __slots__ = ("id", "email", "password_hash", "is_active", "is_staff", "tokens_valid_after")

    def __init__(self, id: int, email: str, password_hash: str, is_active: bool, is_staff: bool,
                 tokens_valid_after: datetime | None) -> None:
        self.id, self.email, self.password_hash = id, email, password_hash
        self.is_active, self.is_staff, self.tokens_valid_after = is_active, is_staff, tokens_valid_after

    def __repr__(self) -> str:
        return f"AccountRow(id={self.id!r}, email={self.email!r}, is_active={self.is_active!r})"


def _row(sql: PlainSql, found: tuple | None) -> AccountRow | None:
    if found is None:
        return None
    user_id, email, password_hash, active, staff, cutoff = found
    return AccountRow(int(user_id), email, password_hash, bool(active), bool(staff),
                      sql.read_timestamp(cutoff))


def account_by_email(sql: PlainSql, email: str) -> AccountRow | None:
    return _row(sql, sql.one(f"SELECT {_COLUMNS} FROM users WHERE email = ?", email))


def account_by_id(sql: PlainSql, user_id: int) -> AccountRow | None:
    return _row(sql, sql.one(f"SELECT {_COLUMNS} FROM users WHERE id = ?", user_id))


def record_login(sql: PlainSql, user_id: int, moment: datetime) -> None:
    sql.execute("UPDATE users SET last_login = ? WHERE id = ?", sql.timestamp(moment), user_id)
