"""The schema the migrations create, where the models alone do not say it."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError

from videoflix.db.migrate import upgrade_database
from videoflix.db.models import AdminHistory, FanoutJob, FanoutRun, User, Video, VideoStatus
from videoflix.db.database import Database

pytestmark = pytest.mark.integration


def _run_and_job(session, video_id: int) -> tuple[int, int]:
    run = FanoutRun(video_id=video_id, plan={"chunks": 1}, jobs_total=1)
    session.add(run)
    session.flush()
    job = FanoutJob(run_id=run.id, kind="video", chunk_index=0)
    session.add(job)
    session.flush()
    return run.id, job.id


@pytest.fixture(params=["sqlite", "session database"])
def migrated_database(request, tmp_path, database_url):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/migrated.sqlite3"
        upgrade_database(url)
    else:
        url = database_url
    database = Database.from_url(url)
    yield database
    database.engine.dispose()


def test_a_replaced_fanout_run_never_gets_its_id_back(migrated_database):
    # A late chunk message names its run's id: had a newer run reused it (SQLite reuses the
    # highest rowid unless the table is AUTOINCREMENT), the message would count for that run.
    with migrated_database.session() as session:
        video = Video(title="Ids", description="", category="Drama", status=VideoStatus.PROCESSING, filename="ids.mp4",
                      content_type="video/mp4", size=1, source_key="uploads/ids-never-reused.mp4")
        session.add(video)
        session.flush()
        video_id = video.id
        old_run, old_job = _run_and_job(session, video_id)
    with migrated_database.session() as session:
        session.execute(delete(FanoutJob).where(FanoutJob.run_id == old_run))
        session.execute(delete(FanoutRun).where(FanoutRun.id == old_run))
    with migrated_database.session() as session:
        new_run, new_job = _run_and_job(session, video_id)
        session.execute(delete(Video).where(Video.id == video_id))
    assert new_run > old_run and new_job > old_job


def _video(n: int | str) -> Video:
    return Video(title="Ids", description="", category="Drama", status=VideoStatus.READY, filename="ids.mp4",
                 content_type="video/mp4", size=1, source_key=f"uploads/ids-{n}/ids.mp4")


def _user(n: int | str) -> User:
    return User(email=f"ids-{n}@example.com", password_hash="x", is_active=True, is_staff=False)


def test_the_newest_video_and_user_deleted_never_give_their_ids_away(migrated_database):
    # A late upload event names its video's id: a new video must never take the id of a deleted one.
    with migrated_database.session() as session:
        video, user = _video("old"), _user("old")
        session.add_all([video, user])
        session.flush()
        old_video, old_user = video.id, user.id
    with migrated_database.session() as session:
        session.execute(delete(Video).where(Video.id == old_video))
        session.execute(delete(User).where(User.id == old_user))
    with migrated_database.session() as session:
        video, user = _video("new"), _user("new")
        session.add_all([video, user])
        session.flush()
        new_video, new_user = video.id, user.id
        session.execute(delete(Video).where(Video.id == new_video))
        session.execute(delete(User).where(User.id == new_user))
    assert new_video > old_video and new_user > old_user


def _rows_of_0002(session) -> list[int]:
    """Two videos and a user written as the 0002 schema holds them (the models have columns added since)."""
    for n in (1, 2):
        session.execute(text(
            "INSERT INTO videos (title, description, category, status, progress, filename, content_type, size, "
            "source_key, renditions, attempts, created_at, updated_at) VALUES ('Ids', '', 'Drama', 'ready', 0, "
            f"'ids.mp4', 'video/mp4', 1, 'uploads/ids-{n}/ids.mp4', '[]', 0, '2026-01-01 00:00:00', "
            "'2026-01-01 00:00:00')"))
    session.execute(text("INSERT INTO users (email, password_hash, is_active, is_staff, date_joined) "
                         "VALUES ('ids-1@example.com', 'x', 1, 0, '2026-01-01 00:00:00')"))
    return list(session.execute(text("SELECT id FROM videos ORDER BY id")).scalars())


def test_upgrading_an_sqlite_database_keeps_every_row_and_stops_reusing_ids(tmp_path):
    url = f"sqlite:///{tmp_path}/before-0003.sqlite3"
    upgrade_database(url, "0002")
    database = Database.from_url(url)
    with database.session() as session:
        video_ids = _rows_of_0002(session)
        run_id, job_id = _run_and_job(session, video_ids[0])
    upgrade_database(url)
    with database.session() as session:
        # The rebuild of `videos` must not cascade into the fan-out tables that reference it.
        assert session.scalars(select(Video.id).order_by(Video.id)).all() == video_ids
        assert session.scalars(select(User.email)).all() == ["ids-1@example.com"]
        assert session.scalars(select(FanoutRun.id)).all() == [run_id]
        assert session.scalars(select(FanoutJob.id)).all() == [job_id]
        session.execute(delete(Video).where(Video.id == video_ids[-1]))
    with database.session() as session:
        video = _video(3)
        session.add(video)
        session.flush()
        assert video.id > video_ids[-1]
        session.add(_user(1))  # the unique email index came through the rebuild
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for pooled connections
        tables = dict(connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all())
        indexes = {row[0] for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'")}
    assert all("AUTOINCREMENT" in tables[name] for name in ("users", "videos", "mail_outbox"))
    assert {"ix_users_email", "ix_videos_status", "ix_videos_created_at"} <= indexes
    database.engine.dispose()


def test_0004_keeps_existing_films_published_and_adds_the_history(tmp_path):
    url = f"sqlite:///{tmp_path}/before-0004.sqlite3"
    upgrade_database(url, "0003")
    database = Database.from_url(url)
    with database.session() as session:
        _rows_of_0002(session)
    upgrade_database(url)
    with database.session() as session:
        assert session.scalars(select(Video.published)).all() == [True, True]
        assert session.scalars(select(User.tokens_valid_after)).all() == [None]
        session.add(AdminHistory(actor="a@example.com", action="video.edit", target_type="video", target_id="1"))
    with database.session() as session:
        assert session.scalars(select(AdminHistory.changes)).all() == [{}]
    database.engine.dispose()


def test_0006_counts_accounts_that_were_ever_active_as_confirmed_and_pending_ones_not(tmp_path):
    url = f"sqlite:///{tmp_path}/before-0006.sqlite3"
    upgrade_database(url, "0005")
    database = Database.from_url(url)
    with database.session() as session:
        for email, active, cutoff, last_login in (
                ("active@example.com", 1, None, "'2026-01-03 00:00:00'"),
                ("disabled@example.com", 0, "'2026-01-02 00:00:00'", "NULL"),
                ("pending@example.com", 0, None, "NULL")):
            session.execute(text(
                "INSERT INTO users (email, password_hash, is_active, is_staff, date_joined, last_login, "
                f"tokens_valid_after) VALUES ('{email}', 'x', {active}, 0, '2026-01-01 00:00:00', {last_login}, "
                f"{cutoff or 'NULL'})"))
    upgrade_database(url)
    with database.session() as session:
        verified = {user.email: user.email_verified_at for user in session.scalars(select(User))}
    assert verified["pending@example.com"] is None
    assert verified["active@example.com"].date().isoformat() == "2026-01-03"  # its last login
    assert verified["disabled@example.com"].date().isoformat() == "2026-01-01"  # when it joined
    database.engine.dispose()
