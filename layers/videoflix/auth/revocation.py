"""Token revocation in Redis: used refresh tokens and revoked login families expire with the tokens.

An access token is refused once its family is revoked (logout, refresh-token reuse): every
authenticated request reads `family_key` in its one Redis round trip (videoflix.auth.login_state).
"""
from __future__ import annotations

from typing import Any, Callable

from videoflix.errors import ServiceUnavailable

REVOKED = "revoked"
TOKEN_STORE_DOWN = "The token store is unavailable. Try again shortly."


def family_key(family: str) -> str:
    """The key that marks a login family revoked (logout, refresh-token reuse) until its tokens expire."""
    return f"refresh:family:{family}"


class RefreshTokenRegistry:
    def __init__(self, redis: Any, redis_errors: Callable[[], tuple]) -> None:
        self._redis = redis
        self._errors = redis_errors

    def _call(self, operation: Callable[[], Any]) -> Any:
        try:
            return operation()
        except self._errors() as exc:
            # Fail closed: without the registry a revoked token could pass.
            raise ServiceUnavailable(TOKEN_STORE_DOWN) from exc

    def use(self, jti: str, ttl: int, grace: int, now: float) -> float | None:
        """Use up a refresh token; the time its successor is issued at, or None for a reuse.

        The first use answers `now`. Within `grace` seconds of it the token may be presented
        once more (two tabs refreshing at once) and answers the first use's time again, so the
        successor issued is the very same pair. Anything else is a reuse, as is a revoked token.
        """
        key = f"refresh:used:{jti}"
        if self._call(lambda: self._redis.set(key, repr(float(now)), nx=True, ex=max(ttl, 1))):
            return now
        if grace <= 0:
            return None
        try:
            first_use = float(self._call(lambda: self._redis.get(key)))
        except (TypeError, ValueError):  # revoked, or expired in between
            return None
        if now - first_use > grace:
            return None
        # Once only: a third presentation is a reuse even inside the window.
        if not self._call(lambda: self._redis.set(f"refresh:grace:{jti}", "1", nx=True, ex=grace + 1)):
            return None
        return first_use

    def revoke(self, jti: str, ttl: int) -> None:
        self._call(lambda: self._redis.set(f"refresh:used:{jti}", REVOKED, ex=max(ttl, 1)))

    def revoke_family(self, family: str, ttl: int) -> None:
        self._call(lambda: self._redis.set(family_key(family), REVOKED, ex=max(ttl, 1)))

    def is_family_revoked(self, family: str) -> bool:
        return bool(self._call(lambda: self._redis.exists(family_key(family))))
