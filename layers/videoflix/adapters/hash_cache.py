"""Cache entries kept as fields of one Redis hash, each with its own expiry (the hash's TTL restarts
with every write), so that one DELETE (videoflix.domain.cache_keys.invalidate_catalog) drops them all.

Each hash keeps to a byte budget: a write adds its size to the hash's HASH_BYTES_FIELD, and a hash
past its budget (or past MAX_FIELDS fields) is dropped and filled again, so distinct queries can
never grow it for ever. A Redis outage, or a write refused for memory, means "no cache", never an
error."""
from __future__ import annotations

import json
import logging
import time
from typing import Any

from videoflix.domain.cache_keys import HASH_BYTES_FIELD

log = logging.getLogger("videoflix.cache")
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
    if not isinstance(entry, dict) or "value" not in entry or entry.get("expires", 0) < time.time():
        return None
    return entry["value"]


def hash_set(cache: Any, name: str, field: str, value: Any, ttl: int, max_bytes: int) -> None:
    ttl = max(1, ttl)
    hash_put(cache, name, field, json.dumps({"value": value, "expires": time.time() + ttl}), ttl, max_bytes)


def hash_put(cache: Any, name: str, field: str, entry: str, ttl: int, max_bytes: int) -> bool:
    """Store `entry` (JSON text) as `field`, the hash kept to `max_bytes`; False when it stays uncached."""
    size = len(field.encode("utf-8", "surrogatepass")) + len(entry.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        log.warning("cache entry of %s bytes exceeds %s's budget of %s; served uncached", size, name, max_bytes)
        return False
    try:
        pipe = cache.pipeline(transaction=False)
        pipe.hincrby(name, HASH_BYTES_FIELD, size)  # first: a write that fails after it is counted
        pipe.hlen(name)
        pipe.hset(name, field, entry)
        pipe.expire(name, max(1, ttl))
        total, fields = pipe.execute()[:2]
        if total > max_bytes or fields > MAX_FIELDS:
            cache.delete(name)
        return True
    except Exception:
        log.warning("cache write failed for %s; served uncached", name)
        return False


def hash_forget(cache: Any, name: str, field: str) -> None:
    try:
        cache.hdel(name, field)
    except Exception:
        log.warning("could not drop %s from %s; it expires on its own", field, name, exc_info=True)
