"""Viewers: ready films set up directly (rows + playlists in the media bucket), signed-in viewers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from videoflix.adapters.aws import aws_client
from videoflix.db.models import Video, utcnow
from videoflix_tools.testing.factories import insert_video

PASSWORD = "correct-horse-9"
SINGLE_MASTER = ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=854x480\n480p/index.m3u8\n"
                 "#EXT-X-STREAM-INF:BANDWIDTH=1600000,RESOLUTION=1280x720\n720p/index.m3u8\n")
RUNG = ("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nsegment_00000.ts\n#EXTINF:6.0,\nsegment_00001.ts\n"
        "#EXT-X-ENDLIST\n")


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


@pytest.fixture
def ready_film(services):
    """A ready film (row + master and 480p/720p playlists in the media bucket); returns its id."""
    s3, bucket = aws_client("s3", services.settings), services.settings.media_bucket
    made = []

    def make(title: str = "Film", category: str = "Drama", description: str = "", duration: float = 100.0,
             master: str = SINGLE_MASTER, age_minutes: int = 0, status: str = "ready") -> int:
        video_id = insert_video(services, status, title=title, category=category, description=description,
                                duration=duration, renditions=["480p", "720p"], progress=100, width=1280,
                                height=720, ready_at=utcnow() if status == "ready" else None,
                                created_at=utcnow() - timedelta(minutes=age_minutes) + timedelta(seconds=len(made)))
        prefix = f"videos/{video_id}/"
        s3.put_object(Bucket=bucket, Key=prefix + "master.m3u8", Body=master.encode())
        for rung in ("480p", "720p"):
            s3.put_object(Bucket=bucket, Key=f"{prefix}{rung}/index.m3u8", Body=RUNG.encode())
        made.append(video_id)
        return video_id
    return make


def set_status(services, video_id: int, status: str) -> None:
    """A state given directly (tests only; the code changes it through videos.lifecycle)."""
    from sqlalchemy import update

    with services.db.session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(status=status))


# The pipeline's fixtures (FFmpeg clips, presigned uploads, the transcoder), for the re-transcode test.
from tests.integration.videos.conftest import (chunk_binding, clip_factory, pipeline,  # noqa: E402,F401
                                               transcode_binding, upload_video)
