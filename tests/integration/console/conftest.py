"""Fixtures of the staff console: a ready video with playlists in the bucket, a viewer, a staff user."""
from __future__ import annotations

import pytest

from videoflix.auth.service import create_user
from videoflix.aws import aws_client
from videoflix.db.models import Video, utcnow

VIEWER, VIEWER_PASSWORD = "viewer@example.com", "correct-horse-9"
STAFF, STAFF_PASSWORD = "admin@example.com", "admin-password-1"


@pytest.fixture
def make_video(services):
    """A ready 480p video whose playlists lie in the media bucket (no transcode needed to read them)."""
    def make(title: str = "Film", published: bool = True) -> int:
        with services.db.session() as session:
            video = Video(title=title, description="", category="Drama", status="ready", progress=100,
                          filename="film.mp4", content_type="video/mp4", size=1000,
                          source_key=f"uploads/x/{title}.mp4", renditions=["480p"], attempts=1, duration=12.0,
                          width=854, height=480, ready_at=utcnow(), published=published)
            session.add(video)
            session.flush()
            video_id = video.id
        s3, bucket, prefix = aws_client("s3", services.settings), services.settings.media_bucket, f"videos/{video_id}/"
        s3.put_object(Bucket=bucket, Key=prefix + "master.m3u8",
                      Body=b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=854x480\n480p/index.m3u8\n")
        s3.put_object(Bucket=bucket, Key=prefix + "480p/index.m3u8", Body=b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n"
                      b"#EXTINF:6.0,\nsegment_00000.ts\n#EXTINF:6.0,\nsegment_00001.ts\n#EXT-X-ENDLIST\n")
        return video_id
    return make


@pytest.fixture
def viewer(services, make_client):
    create_user(services, VIEWER, VIEWER_PASSWORD)
    client = make_client()
    assert client.post("/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}).status == 200
    return client


@pytest.fixture
def staff(staff_client):
    return staff_client


def history(staff_client) -> list[dict]:
    answer = staff_client.get("/api/admin/history/?page_size=100")
    assert answer.status == 200, answer.text
    return answer.json["items"]
