"""The users rows a login and a login check read and write in plain SQL (videoflix.db.accounts), on
the test database (PostgreSQL in CI): the same rows the ORM writes and reads, through the driver's
own connection and through the engine's pool; a connection that died is replaced; an outage is 503."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from videoflix.auth.passwords import hash_password
from videoflix.db.accounts import account_by_email, account_by_id, record_login
from videoflix.db.database import Database
from videoflix.db.models import User
from videoflix.errors import ServiceUnavailable

pytestmark = pytest.mark.integration
CUTOFF = datetime(2026, 11, 30, 8, 0, 0, 250000, tzinfo=timezone.utc)


@pytest.fixture(params=["own connection", "engine pool"])
def plain_db(request, services, database_url):
    """A Database reading through the driver's own connection (a cold function), or the engine's pool."""
    return Database.from_url(database_url) if request.param == "own connection" else services.db


@pytest.fixture
def account(services):
    with services.db.session() as session:
        user = User(email="plain@example.com", password_hash=hash_password("correct-horse-9", 4), is_active=True,
                    is_staff=True, tokens_valid_after=CUTOFF)
        session.add(user)
        session.flush()
        return user.id


def test_the_orm_s_row_reads_the_same_in_plain_sql(plain_db, account):
    by_email = plain_db.run(lambda sql: account_by_email(sql, "plain@example.com"))
    by_id = plain_db.run(lambda sql: account_by_id(sql, account))
    for row in (by_email, by_id):
        assert (row.id, row.email, row.is_active, row.is_staff) == (account, "plain@example.com", True, True)
        assert row.tokens_valid_after == CUTOFF and row.password_hash.startswith("$2b$04$")
    assert plain_db.run(lambda sql: account_by_email(sql, "other@example.com")) is None
    assert plain_db.run(lambda sql: account_by_id(sql, account + 1)) is None


def test_a_login_recorded_in_plain_sql_reads_the_same_in_the_orm(plain_db, services, account):
    moment = datetime(2026, 12, 7, 19, 30, 1, 654321, tzinfo=timezone.utc)
    plain_db.run(lambda sql: record_login(sql, account, moment))
    with services.db.session() as session:
        last_login = session.get(User, account).last_login
    assert last_login.replace(tzinfo=last_login.tzinfo or timezone.utc) == moment


def test_a_connection_that_died_is_replaced_once(services, database_url, account):
    if not database_url.startswith("postgres"):
        pytest.skip("a server connection to end: PostgreSQL only")
    db = Database.from_url(database_url)
    pid, = db.run(lambda sql: sql.one("SELECT pg_backend_pid()"))
    with services.db.session() as session:  # as RDS does to an idle connection of a frozen function
        session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert db.run(lambda sql: account_by_id(sql, account)).email == "plain@example.com"
    assert db.run(lambda sql: sql.one("SELECT pg_backend_pid()")) != (pid,)


def test_a_database_that_cannot_be_reached_is_503():
    db = Database.from_url("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(ServiceUnavailable, match="database is unavailable"):
        db.run(lambda sql: sql.one("SELECT 1"))
