"""The login check in one Redis round trip: the account's state and the family's revocation together.

`authenticate` needs three things besides the token itself: whether the login family was revoked
(logout, refresh-token reuse; only Redis knows), and of the users row whether the account is
active, its password fingerprint and `tokens_valid_after`. One MGET reads the family's mark, the
account's cached `LoginState` and the account's generation. The database stays the source of truth:

- A miss (no entry, or one filled under an older generation) reads the row and fills the entry with
  the generation read *before* the row. Every commit that changes what the check reads (activation,
  disabling, deletion, a password set or reset, staff rights, `tokens_valid_after`) records
  `AccountChanged` (videoflix.db.models does it for any writer), and after the commit
  videoflix.effects bumps the generation and drops the entry. A fill that raced the change read
  the old generation, so the entry it writes is never taken; the next request reads the database.
- The cache only ever admits: a cached state that refuses the token is confirmed by the database
  (and refilled), so a stale entry can never lock anyone out, and a change is never missed by
  trusting a refusal.
- Redis down: the family's revocation cannot be checked, so the request fails closed (503), as
  before. A fill Redis refuses (memory) leaves the answer uncached. A writer that commits while it
  cannot reach Redis (others still can) cannot drop the entry: that is logged as an error, and
  the entry expires within LOGIN_STATE_TTL (a minute), the longest a change can go unseen.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from videoflix.auth.jwt_tokens import password_fingerprint
from videoflix.auth.revocation import family_key
from videoflix.domain.cache_keys import LOGIN_STATE_TTL, login_generation_key, login_state_key

log = logging.getLogger("videoflix.auth")


class LoginState:
    """What a login check reads of an account (`tokens_valid_after` in whole seconds).

    A plain class, not a dataclass: building a dataclass costs a cold start a millisecond or two.
    """

    __slots__ = ("user_id", "email", "is_active", "is_staff", "tokens_valid_after", "fingerprint")

    def __init__(self, user_id: int, email: str, is_active: bool, is_staff: bool, tokens_valid_after: int | None,
                 fingerprint: str) -> None:
        self.user_id, self.email, self.is_active, self.is_staff = user_id, email, is_active, is_staff
        self.tokens_valid_after, self.fingerprint = tokens_valid_after, fingerprint

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LoginState) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __repr__(self) -> str:
        return f"LoginState({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__slots__)})"

    def admits(self, claims: dict[str, Any]) -> bool:
        """Whether a token with these (verified) claims still speaks for the account."""
        if not self.is_active or self.fingerprint != claims.get("pwd"):
            return False
        # Issued before staff disabled the account: enabling it again does not revive it.
        return self.tokens_valid_after is None or claims.get("iat", 0) > self.tokens_valid_after

    def as_user(self) -> "SignedIn":
        """The signed-in user as the handlers see it."""
        return SignedIn(self.user_id, self.email, self.is_active, self.is_staff,
                        None if self.tokens_valid_after is None
                        else datetime.fromtimestamp(self.tokens_valid_after, timezone.utc))


class SignedIn:
    """Who a request's access token speaks for: what handlers and staff use cases read of the user
    (id, email, is_staff), without the ORM (a login check must not load it on a cold start)."""

    __slots__ = ("id", "email", "is_active", "is_staff", "tokens_valid_after")

    def __init__(self, id: int, email: str, is_active: bool, is_staff: bool,
                 tokens_valid_after: datetime | None) -> None:
        self.id, self.email, self.is_active, self.is_staff = id, email, is_active, is_staff
        self.tokens_valid_after = tokens_valid_after

    def __repr__(self) -> str:
        return f"SignedIn(id={self.id!r}, email={self.email!r}, is_staff={self.is_staff!r})"


def timestamp(moment: datetime) -> int:
    if moment.tzinfo is None:  # SQLite returns naive datetimes, stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def state_of(user: Any) -> LoginState:
    """The login state of a users row: the ORM's User or a plain videoflix.db.accounts.AccountRow."""
    cutoff = None if user.tokens_valid_after is None else timestamp(user.tokens_valid_after)
    return LoginState(user.id, user.email, bool(user.is_active), bool(user.is_staff), cutoff,
                      password_fingerprint(user.password_hash))


class Lookup:
    """What the one round trip found: the family's mark, the account's generation (a fill from the
    database carries it) and its state (None: not cached, or cached under an older generation)."""

    __slots__ = ("family_revoked", "generation", "state")

    def __init__(self, family_revoked: bool, generation: str, state: LoginState | None) -> None:
        self.family_revoked, self.generation, self.state = family_revoked, generation, state


def look_up(cache: Any, user_id: int, family: str) -> Lookup:
    """One round trip (MGET); raises what the Redis client raises."""
    revoked, generation, entry = cache.mget([family_key(family), login_generation_key(user_id),
                                             login_state_key(user_id)])
    generation = generation or "0"
    return Lookup(revoked is not None, generation, _parse(user_id, entry, generation))


def _parse(user_id: int, entry: str | None, generation: str) -> LoginState | None:
    if entry is None:
        return None
    try:
        filled_under, email, active, staff, cutoff, fingerprint = json.loads(entry)
    except (ValueError, TypeError):
        return None  # not ours: the database decides
    if filled_under != generation:
        return None
    return LoginState(user_id, email, active is True, staff is True, cutoff, fingerprint)


def remember(cache: Any, state: LoginState, generation: str) -> None:
    """Cache `state`, read from the database after `generation` was looked up; never raises."""
    entry = json.dumps([generation, state.email, state.is_active, state.is_staff, state.tokens_valid_after,
                        state.fingerprint], separators=(",", ":"))
    try:
        cache.set(login_state_key(state.user_id), entry, ex=LOGIN_STATE_TTL)
    except Exception:  # the next request reads the database again
        log.warning("could not cache the login state of user %s", state.user_id)
