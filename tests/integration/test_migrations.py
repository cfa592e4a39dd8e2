"""The schema the migrations create, where the models alone do not say it."""
from __future__ import annotations

import pytest
from sqlalchemy import delete

from videoflix.db.migrate import upgrade_database
from videoflix.db.models import FanoutJob, FanoutRun, Video, VideoStatus
from videoflix.db.session import Database


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
