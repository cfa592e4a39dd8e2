"""The Redis connection: a real server from REDIS_URL, or an in-process fake for the embedded default."""
from __future__ import annotations

import functools
import logging
from typing import Any

log = logging.getLogger("videoflix.catalog")  # the catalog's records, as before this module held them


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


def read_cached(cache: Any, key: str) -> str | None:
    """The cached text at `key`; None when absent or when Redis cannot answer (serving uncached)."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache read failed for %s; serving uncached", key)
        return None


def write_cached(cache: Any, key: str, value: str, ttl: int) -> None:
    """Cache `value` for `ttl` seconds; a Redis that cannot take it leaves the answer uncached."""
    try:
        cache.set(key, value, ex=ttl)
    except Exception:
        log.warning("cache write failed for %s", key)
