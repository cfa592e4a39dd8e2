"""Fixed-window abuse counters over an in-process Redis, and failing open without one."""
from __future__ import annotations

import fakeredis
import pytest
import redis

from videoflix.auth.throttle import Limit, Throttle, client_key, login_counters
from videoflix.adapters.redis_cache import redis_errors
from videoflix.errors import TooManyRequests

LIMIT = Limit("test", max_count=2, window=60)


@pytest.fixture
def throttle():
    return Throttle(fakeredis.FakeRedis(decode_responses=True), redis_errors)


def test_consume_refuses_the_request_over_the_limit_with_the_window_left(throttle):
    throttle.consume([(LIMIT, "a@example.com")])
    throttle.consume([(LIMIT, "a@example.com")])
    with pytest.raises(TooManyRequests) as refused:
        throttle.consume([(LIMIT, "a@example.com")])
    assert 0 < refused.value.retry_after <= 60
    throttle.consume([(LIMIT, "b@example.com")])  # another subject has its own count


def test_check_counts_nothing_and_refuses_at_the_limit(throttle):
    counters = [(LIMIT, "a@example.com")]
    throttle.check(counters)
    throttle.hit(counters)
    throttle.check(counters)
    throttle.hit(counters)
    with pytest.raises(TooManyRequests):
        throttle.check(counters)
    throttle.reset(counters)
    throttle.check(counters)


def test_every_key_expires_with_its_window_and_names_no_subject(throttle):
    throttle.hit([(LIMIT, "a@example.com"), (Limit("other", 5, 900), "203.0.113.9")])
    keys = throttle._redis.keys("*")
    assert len(keys) == 2 and not any("example" in k or "203" in k for k in keys)
    assert sorted(throttle._redis.ttl(k) for k in keys) == [60, 900]


def test_a_limit_of_zero_never_touches_redis():
    class NoRedis:
        def pipeline(self, **_):
            raise AssertionError("Redis used for a switched-off limit")

    off = Throttle(NoRedis(), redis_errors)
    off.consume([(Limit("off", 0, 60), "x")])
    off.check([(Limit("off", 0, 60), "x")])


class DownRedis:
    """A Redis whose every command fails as a lost connection does."""

    def pipeline(self, **_):
        return self

    def __getattr__(self, name):
        return lambda *args, **kwargs: None

    def execute(self):
        raise redis.ConnectionError("Connection refused")


def test_redis_down_fails_open():
    down = Throttle(DownRedis(), redis_errors)
    for _ in range(5):
        down.consume([(LIMIT, "a@example.com")])
        down.check([(LIMIT, "a@example.com")])
    down.reset([(LIMIT, "a@example.com")])


@pytest.mark.parametrize("address, key", [
    ("203.0.113.9", "203.0.113.9"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2::ffff", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.9", "203.0.113.9"),
    ("unknown", "unknown"),
])
def test_client_keys_group_an_ipv6_host_by_its_64(address, key):
    assert client_key(address) == key


def test_login_counters_name_the_address_first_and_skip_a_missing_ip(settings):
    counters = login_counters(settings, "a@example.com", None)
    assert [(limit.name, subject) for limit, subject in counters] == [("login:email", "a@example.com")]
    assert [limit.name for limit, _ in login_counters(settings, "a@example.com", "203.0.113.9")] == \
        ["login:email", "login:ip"]


def test_too_many_requests_is_a_429_with_retry_after():
    from videoflix.web.responses import error_response

    answer = error_response(TooManyRequests("Slow down.", retry_after=42))
    assert (answer.status, answer.body, answer.headers) == (429, {"detail": "Slow down."}, {"Retry-After": "42"})
