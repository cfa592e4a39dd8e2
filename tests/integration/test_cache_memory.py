"""Caches never push out security state, and a Redis out of memory costs no answer.

A real Redis with a tiny `maxmemory` and the eviction policy template.yaml gives ElastiCache
(ElastiCache's default, volatile-lru, when the template names none) is flooded with distinct
searches, each a cached page of films with presigned URLs. Revoked sessions must stay revoked,
a rate limit must keep counting, and every search must still answer 200.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis
from cfnlint.decode import cfn_yaml

from videoflix.domain.cache_keys import CATALOG_QUERIES
from videoflix_tools.dev.stack import free_port
from videoflix_tools.functions import PROJECT_ROOT

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]
ELASTICACHE_DEFAULT_POLICY = "volatile-lru"  # default.redis7's maxmemory-policy
PASSWORD = "correct-horse-9"
REVOKED = {"detail": "Token has been revoked."}
BUDGET = 256 * 1024  # each cache's, here: well inside the 2 MB server


def deployed_policy() -> str:
    """The maxmemory-policy of the Cache's parameter group in template.yaml."""
    template = cfn_yaml.load(str(PROJECT_ROOT / "template.yaml"))
    cache = template["Resources"]["Cache"]["Properties"]
    group = cache.get("CacheParameterGroupName")
    if group is None:
        return ELASTICACHE_DEFAULT_POLICY
    parameters = template["Resources"][group["Ref"]]["Properties"]["Properties"]
    return parameters.get("maxmemory-policy", ELASTICACHE_DEFAULT_POLICY)


@pytest.fixture(scope="module")
def small_redis(tmp_path_factory):
    """A redis-server of its own: 2 MB, the deployed policy, nothing saved to disk."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--maxmemory", "2mb",
         "--maxmemory-policy", deployed_policy(), "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path_factory.mktemp("redis"))],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def settings(make_settings, moto_endpoint, database_url, small_redis):
    return make_settings(database_url=database_url, redis_url=small_redis, aws_endpoint_url=moto_endpoint,
                         api_base_url="http://testserver", login_failures_per_email=3,
                         search_cache_bytes=BUDGET, film_cache_bytes=BUDGET, playlist_cache_bytes=BUDGET)


@pytest.fixture
def films(ready_film):
    # Long descriptions and a presigned poster each: a page of them is tens of kilobytes.
    return [ready_film(title=f"Film {n}", category="Drama", description="A long story. " * 60,
                       thumbnail=b"\xff\xd8\xff\xd9") for n in range(20)]


def login(make_client, email: str):
    client = make_client()
    assert client.post("/api/login/", {"email": email, "password": PASSWORD}).status == 200
    return client


def flood(viewer) -> set[int]:
    statuses = set()
    for q in ("", "film", "story", "a l"):
        for size in range(1, 101):
            statuses.add(viewer.get(f"/api/video/?q={q.replace(' ', '+')}&page_size={size}").status)
    return statuses


def test_a_flood_of_distinct_searches_never_brings_a_revoked_session_back(services, make_client, films):
    from videoflix.auth.service import create_user

    emails = [f"viewer{n}@example.com" for n in range(13)]
    for email in emails:
        create_user(services, email, PASSWORD)
    # Sessions ended by logout, and one by a refresh token presented twice (reuse detection).
    revoked = []
    for email in emails[:10]:
        client = login(make_client, email)
        revoked.append(client.cookies["access_token"])
        assert client.post("/api/logout/").status == 200
    reused = login(make_client, emails[10])
    old_refresh = reused.cookies["refresh_token"]
    assert reused.post("/api/token/refresh/").status == 200
    time.sleep(services.settings.refresh_reuse_grace + 0.5)
    assert make_client(cookies={"refresh_token": old_refresh}).post("/api/token/refresh/").status == 401
    revoked.append(reused.cookies["access_token"])
    # A rate limit that has been reached: three failed logins for one address.
    for _ in range(3):
        assert make_client().post("/api/login/", {"email": emails[11], "password": "wrong-password-1"}).status == 401

    viewer = login(make_client, emails[12])
    assert flood(viewer) == {200}
    assert make_client(cookies={"access_token": revoked[0]}).get("/api/video/?q=film").status == 401

    for access in revoked:
        answer = make_client(cookies={"access_token": access}).get("/api/video/")
        assert (answer.status, answer.json) == (401, REVOKED)
    assert make_client().post("/api/login/", {"email": emails[11], "password": "wrong-password-1"}).status == 429
    assert viewer.get("/api/video/?q=film&page_size=7").status == 200


def test_the_search_cache_keeps_to_its_byte_budget(services, make_client, films):
    from videoflix.auth.service import create_user

    create_user(services, "viewer@example.com", PASSWORD)
    viewer = login(make_client, "viewer@example.com")
    assert flood(viewer) == {200}
    info = redis.Redis.from_url(services.settings.redis_url).info("memory")
    assert info["used_memory"] <= info["maxmemory"]
    # The budget counts the entries' JSON; Redis adds some tens of bytes a field.
    assert (services.redis.memory_usage(CATALOG_QUERIES) or 0) <= services.settings.search_cache_bytes + 64 * 1024


def test_a_cache_write_refused_for_memory_leaves_the_answer_uncached(services, make_client, films):
    """Redis full of state that may not be evicted: searches, the list, playlists answer 200 uncached."""
    from videoflix.auth.service import create_user

    create_user(services, "viewer@example.com", PASSWORD)
    viewer = login(make_client, "viewer@example.com")
    raw = redis.Redis.from_url(services.settings.redis_url)
    filled = []

    def fill() -> None:
        """Keys without an expiry until Redis refuses even a small one: nothing can be evicted to make room."""
        for size in (2_000, 100, 10):
            try:
                while True:
                    filled.append(f"filler:{len(filled)}")
                    raw.set(filled[-1], "x" * size)
            except redis.exceptions.OutOfMemoryError:
                pass
    fill()
    try:
        for path in ("/api/video/", "/api/video/?q=film&page_size=50", "/api/categories/",
                     f"/api/video/{films[0]}/480p/index.m3u8", f"/api/video/{films[0]}/master.m3u8"):
            answer = viewer.get(path)
            assert answer.status == 200, (path, answer.text)
        # The token store cannot take a write: refreshing and logging out fail closed (503), never a
        # 500; a failed login is still refused (its rate limit fails open, as when Redis is down).
        fill()
        assert viewer.post("/api/token/refresh/").status == 503
        assert viewer.post("/api/logout/").status == 503
        assert viewer.post("/api/login/", {"email": "viewer@example.com", "password": "wrong-password-1"}).status == 401
    finally:
        for start in range(0, len(filled), 1000):
            raw.delete(*filled[start:start + 1000])
