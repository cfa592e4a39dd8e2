"""Cache entries kept as fields of one Redis hash, each with its own expiry (the hash's TTL restarts
with every write), so that one DELETE (videoflix.domain.cache_keys.invalidate_catalog) drops them all.
A Redis outage means "no cache", never an error."""
from __future__ import annotations

import json
import logging
import time
from typing import Any

log = logging.getLogger("videoflix.adapters.redis_cache")
MAX_FIELDS = 2000  # past this, the hash is dropped and filled again: distinct queries cannot grow it for ever


def hash_get(cache: Any, name: str, field: str) -> Any | None:
    try:
        raw = cache.hget(name, field)
    except Exception:
        log.warning("cache read failed for %s", name)
        return None
    if raw is None:
        return None
    entry = json.loads(raw)
    if entry["expires"] < time.time():
        return None
    return entry["value"]


def hash_set(cache: Any, name: str, field: str, value: Any, ttl: int) -> None:
    ttl = max(1, ttl)
    entry = json.dumps({"value": value, "expires": time.time() + ttl})
    try:
        pipe = cache.pipeline(transaction=False)
        pipe.hlen(name)
        pipe.hset(name, field, entry)
        pipe.expire(name, ttl)
        size = pipe.execute()[0]
        if size > MAX_FIELDS:
            cache.delete(name)
    except Exception:
        log.warning("cache write failed for %s", name)


def hash_forget(cache: Any, name: str, field: str) -> None:
    try:
        cache.hdel(name, field)
    except Exception:
        log.warning("could not drop %s from %s; it expires on its own", field, name, exc_info=True)
