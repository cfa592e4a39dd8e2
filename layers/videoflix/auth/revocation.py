"""Refresh-token revocation in Redis: revoked ids and revoked login families expire with the token."""
from __future__ import annotations

from typing import Any, Callable

from videoflix.errors import ServiceUnavailable


class RefreshTokenRegistry:
    def __init__(self, redis: Any, redis_errors: Callable[[], tuple]) -> None:
        self._redis = redis
        self._errors = redis_errors

    def _call(self, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except self._errors() as exc:
            # Fail closed: without the registry a revoked token could pass.
            raise ServiceUnavailable("The token store is unavailable. Try again shortly.") from exc

    def consume(self, jti: str, ttl: int) -> bool:
        """Mark a refresh token used; False when it was already used or revoked (reuse)."""
        return bool(self._call(lambda: self._redis.set(f"refresh:used:{jti}", "1", nx=True,
                                                       ex=max(ttl, 1))))

    def revoke(self, jti: str, ttl: int) -> None:
        self._call(lambda: self._redis.set(f"refresh:used:{jti}", "1", ex=max(ttl, 1)))

    def revoke_family(self, family: str, ttl: int) -> None:
        self._call(lambda: self._redis.set(f"refresh:family:{family}", "revoked", ex=max(ttl, 1)))

    def is_family_revoked(self, family: str) -> bool:
        return bool(self._call(lambda: self._redis.exists(f"refresh:family:{family}")))
