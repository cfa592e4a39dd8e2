"""Unit tests run without any network: connecting a socket fails the test."""
from __future__ import annotations

import socket

import pytest

from videoflix_tools.testing.factories import insert_video
from videoflix_tools.testing.memory import memory_services


class NetworkBlocked(RuntimeError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(self, address, *args, **kwargs):
        if self.family == socket.AF_UNIX:
            return original(self, address, *args, **kwargs)
        raise NetworkBlocked(f"unit tests must not use the network (tried {address!r})")

    original = socket.socket.connect
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


# -- use cases against the in-memory twins of their ports: no moto, no FFmpeg, no network --------------
@pytest.fixture
def services(tmp_path):
    return memory_services(tmp_path)


# Ten bytes that start like an MP4 (an `ftyp` box): what a retry checks before queueing a film again.
MP4_HEAD = b"\x00\x00\x00\x0aftypxx"


@pytest.fixture
def add_video(services):
    """A video row in `status`, its upload in the bucket unless `file` is False; returns its id."""
    def add(status: str, file: bool = True, data: bytes = MP4_HEAD, **values) -> int:
        video_id = insert_video(services, status, **{"size": len(data), **values})
        if file:
            services.storage.put(services.settings.upload_bucket, f"uploads/{video_id}/f.mp4", data)
        return video_id
    return add
