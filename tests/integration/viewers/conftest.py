"""Viewers: signed-in viewers (ready films: the shared `ready_film` of tests/integration/conftest.py)."""
from __future__ import annotations

import pytest

from tests.integration.conftest import master_playlist, rung_playlist
from videoflix.db.models import Video

PASSWORD = "correct-horse-9"
# What the shared `ready_film` (tests/integration/conftest.py) writes by default.
SINGLE_MASTER = master_playlist(("480p", "720p"))
RUNG = rung_playlist(2, 6.0)


@pytest.fixture
def make_viewer(services, make_client):
    from videoflix.auth.service import create_user

    def make(email: str = "viewer@example.com"):
        create_user(services, email, PASSWORD)
        client = make_client()
        assert client.post("/api/login/", {"email": email, "password": PASSWORD}).status == 200
        return client
    return make


@pytest.fixture
def viewer(make_viewer):
    return make_viewer()


def set_status(services, video_id: int, status: str) -> None:
    """A state given directly (tests only; the code changes it through videos.lifecycle)."""
    from sqlalchemy import update

    with services.db.session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(status=status))


# The pipeline's fixtures (FFmpeg clips, presigned uploads, the transcoder), for the re-transcode test.
from tests.integration.videos.conftest import (av1_binding, chunk_binding, clip_factory, pipeline,  # noqa: E402,F401
                                               transcode_binding, upload_video)
