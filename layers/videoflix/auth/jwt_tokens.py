"""Access and refresh JWTs: HS256 only, with iss, aud, exp, iat, jti, type and fam (login family) checked."""
from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import Any

from videoflix.errors import AuthenticationFailed
from videoflix.settings import Settings

ALGORITHM = "HS256"
LEEWAY_SECONDS = 10
ACCESS = "access"
REFRESH = "refresh"


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    refresh_claims: dict[str, Any]


def password_fingerprint(password_hash: str) -> str:
    """Binds tokens to the current password: changing it invalidates every token issued before."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _encode(claims: dict[str, Any], settings: Settings) -> str:
    import jwt

    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def _successor_jti(predecessor: str, kind: str, settings: Settings) -> str:
    digest = hmac.new(settings.secret_key.encode(), f"{predecessor}>{kind}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def issue_token_pair(user_id: int, password_hash: str, settings: Settings,
                     family: str | None = None, now: float | None = None,
                     successor_of: str | None = None) -> TokenPair:
    """A new pair; `successor_of` (the refresh jti it replaces) makes it the same each time it is issued."""
    issued_at = int(time.time() if now is None else now)
    family = family or uuid.uuid4().hex
    common = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": str(user_id),
              "iat": issued_at, "fam": family, "pwd": password_fingerprint(password_hash)}
    if successor_of:
        access_jti, refresh_jti = (_successor_jti(successor_of, kind, settings) for kind in (ACCESS, REFRESH))
    else:
        access_jti, refresh_jti = uuid.uuid4().hex, uuid.uuid4().hex
    access_claims = {**common, "type": ACCESS, "jti": access_jti,
                     "exp": issued_at + settings.access_token_lifetime}
    refresh_claims = {**common, "type": REFRESH, "jti": refresh_jti,
                      "exp": issued_at + settings.refresh_token_lifetime}
    return TokenPair(_encode(access_claims, settings), _encode(refresh_claims, settings), refresh_claims)


def decode_token(token: str, expected_type: str, settings: Settings) -> dict[str, Any]:
    """The verified claims, or AuthenticationFailed for anything not exactly right."""
    import jwt

    if not token or len(token) > 4096:
        raise AuthenticationFailed("Token is missing or invalid.")
    try:
        claims = jwt.decode(
            token, settings.secret_key, algorithms=[ALGORITHM], audience=settings.jwt_audience,
            issuer=settings.jwt_issuer, leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "jti", "sub", "iss", "aud", "type", "fam"]},
        )
    except jwt.PyJWTError:
        raise AuthenticationFailed("Token is invalid or expired.") from None
    subject = str(claims.get("sub", ""))
    # ASCII digits only: "²".isdigit() is True, yet int("²") fails.
    if claims.get("type") != expected_type or not (subject.isascii() and subject.isdigit()) or len(subject) > 18:
        raise AuthenticationFailed("Token is invalid or expired.")
    family = claims.get("fam")
    if not isinstance(family, str) or not 0 < len(family) <= 64:  # names the family's revocation key
        raise AuthenticationFailed("Token is invalid or expired.")
    return claims
