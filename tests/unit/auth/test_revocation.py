"""The refresh-token registry over an in-process Redis: rotation, the grace window, families, failing closed."""
from __future__ import annotations

import threading

import fakeredis
import pytest
import redis

from videoflix.auth.revocation import RefreshTokenRegistry
from videoflix.adapters.redis_cache import redis_errors
from videoflix.errors import ServiceUnavailable

TTL, GRACE, T0 = 3600, 5, 1_000_000.25


@pytest.fixture
def registry():
    return RefreshTokenRegistry(fakeredis.FakeRedis(decode_responses=True), redis_errors)


def test_first_use_rotates_at_now(registry):
    assert registry.use("r1", TTL, GRACE, now=T0) == T0
    assert registry.use("r2", TTL, GRACE, now=T0 + 1) == T0 + 1  # another token is its own


def test_once_more_within_the_grace_gives_the_first_use_time_then_reuse(registry):
    registry.use("r1", TTL, GRACE, now=T0)
    assert registry.use("r1", TTL, GRACE, now=T0 + GRACE) == T0
    assert registry.use("r1", TTL, GRACE, now=T0 + GRACE) is None


def test_after_the_grace_or_without_one_a_second_use_is_reuse(registry):
    registry.use("late", TTL, GRACE, now=T0)
    assert registry.use("late", TTL, GRACE, now=T0 + GRACE + 0.01) is None
    registry.use("off", TTL, 0, now=T0)
    assert registry.use("off", TTL, 0, now=T0) is None


def test_a_revoked_token_gets_no_grace(registry):
    registry.revoke("r1", TTL)
    assert registry.use("r1", TTL, GRACE, now=T0) is None


def test_keys_expire_with_the_token_and_the_grace(registry):
    registry.use("r1", TTL, GRACE, now=T0)
    registry.use("r1", TTL, GRACE, now=T0 + 1)
    ttls = {key.split(":")[1]: registry._redis.ttl(key) for key in registry._redis.keys("*")}
    assert set(ttls) == {"used", "grace"}
    assert TTL - 2 <= ttls["used"] <= TTL and 0 < ttls["grace"] <= GRACE + 1


def test_simultaneous_uses_agree_on_one_successor_time(registry):
    start, results = threading.Barrier(2), []

    def use(now):
        start.wait()
        results.append(registry.use("r1", TTL, GRACE, now=now))

    threads = [threading.Thread(target=use, args=(T0 + i * 0.001,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and results[0] in (T0, T0 + 0.001)


def test_families(registry):
    assert not registry.is_family_revoked("fam")
    registry.revoke_family("fam", TTL)
    assert registry.is_family_revoked("fam") and not registry.is_family_revoked("other")
    assert TTL - 2 <= registry._redis.ttl("refresh:family:fam") <= TTL


class DownRedis:
    """A Redis whose every command fails as a lost connection does."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise redis.ConnectionError("Connection refused")
        return fail


@pytest.mark.parametrize("call", [
    lambda r: r.use("r1", TTL, GRACE, now=T0), lambda r: r.revoke("r1", TTL),
    lambda r: r.revoke_family("fam", TTL), lambda r: r.is_family_revoked("fam"),
])
def test_redis_down_fails_closed(call):
    with pytest.raises(ServiceUnavailable) as refused:
        call(RefreshTokenRegistry(DownRedis(), redis_errors))
    assert str(refused.value) == "The token store is unavailable. Try again shortly."
