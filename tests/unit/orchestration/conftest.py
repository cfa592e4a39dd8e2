"""Use cases against the in-memory twins of their ports: no moto, no FFmpeg, no network."""
from __future__ import annotations

import pytest

from videoflix.db.models import Video
from videoflix_tools.testing.factories import insert_video
from videoflix_tools.testing.memory import memory_services


@pytest.fixture
def services(tmp_path):
    return memory_services(tmp_path)


@pytest.fixture
def add_video(services):
    """A video row in `status`, its upload in the bucket unless `file` is False; returns its id."""
    def add(status: str, file: bool = True, data: bytes = b"x" * 10, **values) -> int:
        video_id = insert_video(services, status, **{"size": len(data), **values})
        if file:
            services.storage.put(services.settings.upload_bucket, f"uploads/{video_id}/f.mp4", data)
        return video_id
    return add


def video_row(services, video_id: int) -> Video | None:
    with services.db.session() as session:
        return session.get(Video, video_id)
