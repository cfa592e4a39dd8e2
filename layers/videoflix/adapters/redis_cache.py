"""The Redis connection: a real server from REDIS_URL, or an in-process fake for the embedded default."""
from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=8)
def connect_redis(redis_url: str) -> Any:
    if not redis_url:
        import fakeredis

        return fakeredis.FakeRedis(server=_shared_fake_server(), decode_responses=True)
    import redis

    return redis.Redis.from_url(redis_url, decode_responses=True, socket_timeout=2,
                                socket_connect_timeout=2, health_check_interval=30)


@functools.lru_cache(maxsize=1)
def _shared_fake_server() -> Any:
    import fakeredis

    return fakeredis.FakeServer()


def redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
