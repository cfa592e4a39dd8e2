"""The Redis connection: a real server from REDIS_URL, or an in-process fake for the embedded default.

Redis runs without eviction (template.yaml: maxmemory-policy noeviction), so nothing a cache
writes can push out token revocations, refresh-reuse marks or rate-limit counters; every cache
keeps to a byte budget instead (docs/operations.md, "Redis memory"). The text caches here
(playlists, subtitle playlists, storyboards, the catalog list) share one: each write adds its
size to a ledger of five-minute buckets, and a write that would take the bytes written within
the longest cache lifetime (an hour) past the budget is skipped. What is skipped, and a write
Redis refuses for memory, leaves the answer uncached, never an error.
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Any

from videoflix.domain.cache_keys import TEXT_CACHE_LEDGER

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
    """What "Redis cannot serve this" raises: down, slow, or out of memory for a write (noeviction)."""
    import redis

    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.OutOfMemoryError)


MAX_TEXT_TTL = 3600  # a text cache entry lives at most this long, so the ledger needs cover no more
LEDGER_BUCKET = 300  # seconds a ledger bucket counts


def read_cached(cache: Any, key: str) -> str | None:
    """The cached text at `key`; None when absent or when Redis cannot answer (serving uncached)."""
    try:
        return cache.get(key)
    except Exception:
        log.warning("cache read failed for %s; serving uncached", key)
        return None


def write_cached(cache: Any, key: str, value: str, ttl: int, max_bytes: int) -> bool:
    """Cache `value` for `ttl` seconds (at most MAX_TEXT_TTL) if the text caches' budget of
    `max_bytes` allows it; False when it stays uncached (over budget, or Redis could not take it)."""
    size = len(key) + len(value.encode("utf-8", "surrogatepass"))
    now = int(time.time())
    current = now // LEDGER_BUCKET
    buckets = [f"{TEXT_CACHE_LEDGER}{current - n}" for n in range(MAX_TEXT_TTL // LEDGER_BUCKET + 1)]
    try:
        written = sum(int(b or 0) for b in cache.mget(buckets))
        if size > max_bytes or written + size > max_bytes:
            log.warning("text caches at their budget (%s of %s bytes written this hour); %s served uncached",
                        written, max_bytes, key)
            return False
        pipe = cache.pipeline(transaction=False)
        pipe.incrby(buckets[0], size)  # first: a write that fails after it is counted, never the reverse
        pipe.expire(buckets[0], MAX_TEXT_TTL + 2 * LEDGER_BUCKET)
        pipe.set(key, value, ex=max(1, min(ttl, MAX_TEXT_TTL)))
        pipe.execute()
        return True
    except Exception:
        log.warning("cache write failed for %s; served uncached", key)
        return False
