"""Signing in and staying signed in: login, the login check, token refresh and logout.

Apart from the registration and reset use cases (videoflix.auth.service) because these are the
hot paths of every function: they read and write the users row in plain SQL (videoflix.db.accounts)
and the rest in Redis, so a cold function serving a login or a login check never loads the ORM
(about 200 ms, issue 25). Behaviour is the service's as before; it re-exports these names.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from videoflix.adapters.redis_cache import redis_errors
from videoflix.auth import jwt_tokens, login_state
from videoflix.auth.emails import email_problems, normalize_email
from videoflix.auth.passwords import dummy_hash, verify_password
from videoflix.auth.revocation import TOKEN_STORE_DOWN, RefreshTokenRegistry
from videoflix.auth.throttle import Throttle, login_counters
from videoflix.db.accounts import account_by_email, account_by_id, record_login
from videoflix.errors import AuthenticationFailed, PermissionDenied, ServiceUnavailable
from videoflix.observability import metrics
from videoflix.observability.logs import bind
from videoflix.services import Services

LOGIN_FAILED = "Please check your input and try again."


@dataclass(frozen=True)
class LoginResult:
    user_id: int
    email: str
    tokens: jwt_tokens.TokenPair


def _registry(services: Services) -> RefreshTokenRegistry:
    return RefreshTokenRegistry(services.cache, redis_errors)


def throttle_of(services: Services) -> Throttle:
    return Throttle(services.cache, redis_errors)


def login(services: Services, email: str, password: str, client_ip: str | None = None) -> LoginResult:
    """One generic failure for unknown, inactive and wrong-password; always one bcrypt verify.

    Failures are counted per address and per client IP; over a limit every attempt gets the
    same 429, before any lookup, whether the address exists or not. A success resets the
    address's count.
    """
    email = normalize_email(email)
    counters = login_counters(services.settings, email, client_ip)
    throttle = throttle_of(services)
    throttle.check(counters)
    try:
        result = _verify_login(services, email, password)
    except AuthenticationFailed:
        metrics.emit(metrics.LOGIN_FAILURES, 1)
        throttle.hit(counters)
        raise
    throttle.reset(counters[:1])
    bind(user_id=result.user_id)
    return result


def _verify_login(services: Services, email: str, password: str) -> LoginResult:
    settings = services.settings
    user = services.db.run(lambda sql: account_by_email(sql, email)) if not email_problems(email) else None
    # No transaction stays open through the hash check (a quarter second at cost 12).
    password_ok = verify_password(password, user.password_hash if user else dummy_hash(settings.bcrypt_rounds))
    if user is None or not password_ok or not user.is_active:
        raise AuthenticationFailed(LOGIN_FAILED)
    signed_in_at = datetime.now(timezone.utc)
    services.db.run(lambda sql: record_login(sql, user.id, signed_in_at))
    tokens = jwt_tokens.issue_token_pair(user.id, user.password_hash, settings)
    return LoginResult(user.id, user.email, tokens)


def _remaining(claims: dict[str, Any]) -> int:
    return max(int(claims["exp"] - time.time()), 1)


def _family_ttl(settings) -> int:
    """How long a family stays revoked: past the expiry of any token it may still hold."""
    lifetime = max(settings.refresh_token_lifetime, settings.access_token_lifetime)
    return lifetime + settings.refresh_reuse_grace + jwt_tokens.LEEWAY_SECONDS


def logout(services: Services, refresh_token: str) -> None:
    """Revoke the login family of `refresh_token`, its access tokens included.

    A used or revoked token is refused (401); a used one still revokes its family (a reuse),
    unless it was just replaced (the grace window of `refresh`), which logs out as usual.
    """
    settings = services.settings
    claims = jwt_tokens.decode_token(refresh_token, jwt_tokens.REFRESH, settings)
    registry = _registry(services)
    if registry.is_family_revoked(claims["fam"]):
        raise AuthenticationFailed("Refresh token has been revoked.")
    used = registry.use(claims["jti"], _remaining(claims), settings.refresh_reuse_grace, time.time())
    registry.revoke_family(claims["fam"], _family_ttl(settings))
    if used is None:
        raise AuthenticationFailed("Refresh token has been revoked.")


def refresh(services: Services, refresh_token: str) -> jwt_tokens.TokenPair:
    """Rotate: the presented token is used up; presenting a used one revokes its whole family.

    Within `refresh_reuse_grace` seconds of its first use a token may be presented once more
    (two tabs refreshing at once) and yields the very same new pair. The owner's state comes
    from the login check's cache (videoflix.auth.login_state) when it is there, so a warm refresh
    reads Redis only; a miss, or a cached state that refuses the token, asks the database.
    """
    settings = services.settings
    claims = jwt_tokens.decode_token(refresh_token, jwt_tokens.REFRESH, settings)
    registry = _registry(services)
    ttl = _remaining(claims)
    if registry.is_family_revoked(claims["fam"]):
        raise AuthenticationFailed("Refresh token has been revoked.")
    # The owner before the token is used up: if the database is down (503), the client's retry
    # with the same token must still work instead of looking like a reuse.
    owner = _admitted_state(services, claims)
    if owner.family_revoked:
        raise AuthenticationFailed("Refresh token has been revoked.")
    if owner.state is None:
        raise AuthenticationFailed("Refresh token is no longer valid.")
    issued_at = registry.use(claims["jti"], ttl, settings.refresh_reuse_grace, time.time())
    if issued_at is None:
        registry.revoke_family(claims["fam"], _family_ttl(settings))
        raise AuthenticationFailed("Refresh token reuse detected; please log in again.")
    # Should the password change after the owner was read, these tokens carry the old
    # fingerprint and are refused wherever they are presented.
    return jwt_tokens.issue_token_pair(owner.state.user_id, None, settings, family=claims["fam"],
                                       now=issued_at, successor_of=claims["jti"],
                                       fingerprint=owner.state.fingerprint)


class _Admitted:
    """What the login check found for a token: its family revoked, or the account state that admits it."""

    __slots__ = ("family_revoked", "state")

    def __init__(self, family_revoked: bool, state: login_state.LoginState | None) -> None:
        self.family_revoked, self.state = family_revoked, state


def _admitted_state(services: Services, claims: dict[str, Any]) -> _Admitted:
    """Whether a token's family was revoked and, if not, the state of the account it names when that
    still admits the token (active, issued under the current password and after staff last disabled
    the account: enabling it again does not revive it), else state None. One Redis read when the
    cached state admits; otherwise the database decides and the cache is refilled. Redis down: 503
    (fail closed: a revoked family could pass)."""
    user_id = int(claims["sub"])
    try:
        found = login_state.look_up(services.cache, user_id, claims["fam"])
    except redis_errors() as exc:
        raise ServiceUnavailable(TOKEN_STORE_DOWN) from exc
    if found.family_revoked:
        return _Admitted(True, None)
    state = found.state
    if state is None or not state.admits(claims):
        user = services.db.run(lambda sql: account_by_id(sql, user_id))
        state = login_state.state_of(user) if user is not None else None
        if state is not None:
            login_state.remember(services.cache, state, found.generation)
        if state is None or not state.admits(claims):
            return _Admitted(False, None)
    return _Admitted(False, state)


def authenticate(services: Services, access_token: str | None) -> login_state.SignedIn:
    """The user an access token belongs to; AuthenticationFailed otherwise.

    One Redis round trip when warm (videoflix.auth.login_state): the family's revocation (logout
    and refresh-token reuse end its access tokens at once) and the account's cached state (active,
    password fingerprint, tokens_valid_after), which every change of the account drops after its
    commit. A miss, or a cached state that refuses the token, asks the database. Fails closed like
    refresh (503 without Redis): without it a revoked family could pass.
    """
    if not access_token:
        raise AuthenticationFailed("Authentication credentials were not provided.")
    claims = jwt_tokens.decode_token(access_token, jwt_tokens.ACCESS, services.settings)
    admitted = _admitted_state(services, claims)
    if admitted.family_revoked:
        raise AuthenticationFailed("Token has been revoked.")
    if admitted.state is None:
        raise AuthenticationFailed("Token is invalid or expired.")
    bind(user_id=admitted.state.user_id)  # the rest of this request's log lines name the user
    return admitted.state.as_user()


def require_staff(user: login_state.SignedIn) -> login_state.SignedIn:
    if not user.is_staff:
        raise PermissionDenied("Staff access required.")
    return user
