"""The catalog's cache of ready videos: a cached playlist skips the video's row, never its removal."""
from __future__ import annotations

import json

import pytest

from tests.support.statements import recorded_statements
from videoflix.domain.cache_keys import READY_VIDEOS

pytestmark = pytest.mark.integration

VIEWER, PASSWORD = "cache-viewer@example.com", "correct-horse-9"


@pytest.fixture
def ready_video(ready_film) -> int:
    return ready_film(title="Cached", rungs=("480p",), duration=12.0)


@pytest.fixture
def viewer(user_client):
    return user_client(VIEWER, PASSWORD)


def test_a_cached_playlist_costs_no_database_query(services, viewer, ready_video):
    # The login check is answered from Redis too once it is warm (issue 25: one round trip).
    path = f"/api/video/{ready_video}/480p/index.m3u8"
    first = viewer.get(path)
    assert first.status == 200
    with recorded_statements(services.db) as seen:
        again = viewer.get(path)
    assert again.status == 200 and again.text == first.text
    assert seen == []


def test_deleting_a_video_ends_its_cached_playback_at_once(viewer, staff_client, ready_video):
    playlist, master = f"/api/video/{ready_video}/480p/index.m3u8", f"/api/video/{ready_video}/master.m3u8"
    assert viewer.get(playlist).status == 200 and viewer.get(master).status == 200
    assert staff_client.delete(f"/api/admin/videos/{ready_video}/").status == 200
    assert viewer.get(playlist).status == 404
    assert viewer.get(master).status == 404


def test_an_expired_entry_is_read_again_from_the_database(services, viewer, ready_video):
    stale = {"renditions": [], "version": "0", "duration": 0.0, "expires": 0}
    services.redis.hset(READY_VIDEOS, str(ready_video), json.dumps(stale))
    answer = viewer.get(f"/api/video/{ready_video}/480p/index.m3u8")
    assert answer.status == 200
    assert answer.text.count("X-Amz-Signature=") == 2


class CacheFailing:
    """Redis answering the login check (its one MGET, or EXISTS on the family key), failing every cache command."""

    def __init__(self, working):
        self._working = working

    def __getattr__(self, name):
        import redis

        if name in ("exists", "mget"):
            return getattr(self._working, name)

        def fail(*args, **kwargs):
            raise redis.ConnectionError("Connection reset by peer")
        return fail


def test_playlists_are_served_while_the_cache_fails(services, viewer, ready_video):
    # Redis entirely down fails the login check closed (503: auth/test_sessions.py); a cache
    # that fails after it is bypassed.
    services.redis = CacheFailing(services.redis)
    answer = viewer.get(f"/api/video/{ready_video}/480p/index.m3u8")
    assert answer.status == 200
    assert answer.text.count("X-Amz-Signature=") == 2
    assert viewer.get("/api/video/").status == 200
