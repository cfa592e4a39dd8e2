"""`make dev` stopped and started again on the same folder keeps accounts, films and their media."""
from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest
import requests

from tests.e2e.conftest import start_stack

pytestmark = pytest.mark.e2e
ORIGIN = "http://127.0.0.1:5500"
VIEWER_EMAIL = "restart-viewer@example.com"
VIEWER_PASSWORD = "restart-pass-1"

running_stack = contextmanager(start_stack)


def _viewer(stack) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Origin": ORIGIN})
    answer = session.post(stack.url("/api/login/"), json={"email": VIEWER_EMAIL, "password": VIEWER_PASSWORD},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return session


def _register_viewer(stack) -> None:
    answer = requests.post(stack.url("/api/register/"), json={
        "email": VIEWER_EMAIL, "password": VIEWER_PASSWORD, "confirmed_password": VIEWER_PASSWORD},
        headers={"Origin": ORIGIN}, timeout=10)
    assert answer.status_code == 201, answer.text
    mail = stack.wait_for_email(VIEWER_EMAIL, "Confirm your email")
    uid, token = re.search(r"activate\.html\?uid=([\w-]+)&token=([\w-]+)", mail["text"]).groups()
    assert requests.get(stack.url(f"/api/activate/{uid}/{token}/"), timeout=10).status_code == 200


def _wait_for_film(viewer: requests.Session, stack, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        films = viewer.get(stack.url("/api/video/"), timeout=10).json()
        if films:
            return films[0]
        time.sleep(1)
    raise AssertionError(f"the sample film was not listed within {timeout:.0f} s:\n{stack.log_tail()}")


def _play(viewer: requests.Session, stack, film: dict) -> bytes:
    """master playlist -> rendition playlist -> a presigned segment, and the thumbnail."""
    thumbnail = requests.get(film["thumbnail_url"], timeout=10)
    assert thumbnail.status_code == 200, thumbnail.text
    assert thumbnail.headers["Content-Type"] == "image/jpeg" and thumbnail.content[:2] == b"\xff\xd8"
    master = viewer.get(stack.url(f"/api/video/{film['id']}/master.m3u8"), timeout=10)
    assert master.status_code == 200 and master.text.startswith("#EXTM3U"), master.text
    renditions = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    assert renditions and all(url.startswith(stack.api) for url in renditions)
    rendition = viewer.get(renditions[0], timeout=10)
    assert rendition.status_code == 200, rendition.text
    segments = [line for line in rendition.text.splitlines() if line and not line.startswith("#")]
    assert segments
    segment = requests.get(segments[0], timeout=10)
    assert segment.status_code == 200, segment.text[:300]
    assert len(segment.content) > 1000 and segment.content[:1] == b"\x47"  # MPEG-TS sync byte
    return segment.content


def test_accounts_films_and_media_survive_a_restart(tmp_path):
    # The stack's working folder: as under `make dev`, its state lives in .dev/ there.
    with running_stack(tmp_path, "", "", seed_seconds=4) as stack:
        _register_viewer(stack)
        viewer = _viewer(stack)
        film = _wait_for_film(viewer, stack)
        before = _play(viewer, stack, film)
    assert (tmp_path / ".dev").is_dir()

    with running_stack(tmp_path, "", "") as stack:
        viewer = _viewer(stack)  # the account registered before the restart
        films = viewer.get(stack.url("/api/video/"), timeout=10).json()
        assert [f["id"] for f in films] == [film["id"]]
        assert _play(viewer, stack, films[0]) == before
