"""Fixtures of the staff console: a ready video with playlists in the bucket, a viewer, a staff user."""
from __future__ import annotations

import pytest

VIEWER, VIEWER_PASSWORD = "viewer@example.com", "correct-horse-9"
STAFF, STAFF_PASSWORD = "admin@example.com", "admin-password-1"


@pytest.fixture
def make_video(ready_film):
    """A ready 480p film whose playlists lie in the media bucket (the shared `ready_film`)."""
    def make(title: str = "Film", published: bool = True) -> int:
        return ready_film(title=title, rungs=("480p",), duration=12.0, published=published)
    return make


@pytest.fixture
def viewer(user_client):
    return user_client(VIEWER, VIEWER_PASSWORD)


@pytest.fixture
def staff(staff_client):
    return staff_client


def history(staff_client) -> list[dict]:
    answer = staff_client.get("/api/admin/history/?page_size=100")
    assert answer.status == 200, answer.text
    return answer.json["items"]
