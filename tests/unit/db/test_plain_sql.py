"""Plain SQL on the driver's own connection (videoflix.db.plain, Database.run): the URL read as
SQLAlchemy reads it, one transaction per run, and SnapStart's close honoured
(tests/integration/auth/test_plain_accounts.py: the users rows, stale connections, outages)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import make_url

from videoflix.db import plain
from videoflix.db.database import Database


@pytest.mark.parametrize("url", [
    "postgresql://videoflix:s3cr%40t%2Fpw@db.example.internal:6543/videoflix",
    "postgres://videoflix@db.example.internal/videoflix",
    "postgresql+pg8000://user:pw@127.0.0.1:5432/test",
])
def test_a_postgresql_url_reaches_what_sqlalchemy_would(url):
    dialect, args = plain.connect_args(url)
    theirs = make_url(plain.normalize_database_url(url)).translate_connect_args(username="user")
    assert dialect == "postgresql"
    assert args == {"port": 5432, **theirs}


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///x.db?mode=ro",
                                 "postgresql://u@h/db?ssl=true", "mysql://u@h/db", "postgresql:///db"])
def test_a_url_it_cannot_read_is_left_to_the_engine(url):
    assert plain.connect_args(url) is None


def test_a_run_is_one_transaction(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path}/plain.sqlite3")
    db.run(lambda sql: sql.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
    assert db.run(lambda sql: sql.execute("INSERT INTO notes (body) VALUES (?)", "kept")) == 1

    def insert_then_fail(sql):
        sql.execute("INSERT INTO notes (body) VALUES (?)", "rolled back")
        raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        db.run(insert_then_fail)
    assert db.run(lambda sql: sql.one("SELECT count(*), min(body) FROM notes")) == (1, "kept")
    assert db._engine is None  # no ORM for any of it


def test_timestamps_are_stored_as_the_orm_stores_them_and_read_back_in_utc(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path}/plain.sqlite3")
    moment = datetime(2026, 12, 7, 20, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))
    db.run(lambda sql: sql.execute("CREATE TABLE t (at DATETIME)"))
    db.run(lambda sql: sql.execute("INSERT INTO t VALUES (?)", sql.timestamp(moment)))
    stored, = db.run(lambda sql: sql.one("SELECT at FROM t"))
    assert stored == "2026-12-07 18:15:30.123456"  # SQLAlchemy's SQLite DATETIME text, in UTC
    assert plain.PlainSql.read_timestamp(stored) == moment
    assert plain.PlainSql.read_timestamp(None) is None


def test_a_connection_closed_for_a_snapshot_is_opened_again(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path}/plain.sqlite3")
    assert db.run(lambda sql: sql.one("SELECT 1")) == (1,)
    before = db._plain
    plain.close_opened()  # what SnapStart's hooks do before the snapshot and after a restore
    assert db.run(lambda sql: sql.one("SELECT 2")) == (2,)
    assert db._plain is not before


def test_once_the_engine_exists_its_pool_lends_the_connection(tmp_path):
    db = Database.from_url(f"sqlite:///{tmp_path}/plain.sqlite3")
    db.run(lambda sql: sql.one("SELECT 1"))
    assert db._plain is not None
    db.engine  # a use case opened an ORM session
    assert db._plain is None  # one pool per process, not two connections
    assert db.run(lambda sql: sql.one("SELECT 3")) == (3,)
    assert db._plain is None

