"""Access and refresh JWTs: HS256 only, with iss, aud, exp, iat, jti, type and fam (login family) checked.

Signed and verified here with hmac and hashlib, byte for byte the tokens PyJWT makes (compact JWS,
header `{"alg":"HS256","typ":"JWT"}`, payload JSON without spaces, base64url without padding),
and checked as `jwt.decode` checks them (tests/unit/auth/test_jwt_tokens.py compares both): PyJWT
imports `cryptography` when it is installed, about a fifth of the auth and catalog functions' cold
start, and only CloudFront signing needs it (issue 25).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
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
REQUIRED_CLAIMS = ("exp", "iat", "jti", "sub", "iss", "aud", "type", "fam")
# The header PyJWT writes for HS256 (its keys sorted), base64url-encoded once.
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
_BASE64URL = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    refresh_claims: dict[str, Any]


def password_fingerprint(password_hash: str) -> str:
    """Binds tokens to the current password: changing it invalidates every token issued before."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(part: bytes) -> bytes:
    if not _BASE64URL.issuperset(part):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + b"=" * (-len(part) % 4))


def _sign(signing_input: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), signing_input, hashlib.sha256).digest()


def encode_hs256(claims: dict[str, Any], secret: str) -> str:
    """The compact HS256 JWS of `claims`, as `jwt.encode(claims, secret, algorithm="HS256")` writes it."""
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
    signing_input = _HEADER + b"." + payload
    return (signing_input + b"." + _b64encode(_sign(signing_input, secret))).decode("ascii")


def _encode(claims: dict[str, Any], settings: Settings) -> str:
    return encode_hs256(claims, settings.secret_key)


def _successor_jti(predecessor: str, kind: str, settings: Settings) -> str:
    digest = hmac.new(settings.secret_key.encode(), f"{predecessor}>{kind}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def issue_token_pair(user_id: int, password_hash: str | None, settings: Settings,
                     family: str | None = None, now: float | None = None,
                     successor_of: str | None = None, fingerprint: str | None = None) -> TokenPair:
    """A new pair; `successor_of` (the refresh jti it replaces) makes it the same each time it is issued.

    The tokens carry the password's fingerprint: from `password_hash`, or given as `fingerprint` (a
    refresh answered from the cached login state has no hash at hand, only its fingerprint).
    """
    issued_at = int(time.time() if now is None else now)
    family = family or uuid.uuid4().hex
    if fingerprint is None:
        fingerprint = password_fingerprint(password_hash or "")
    common = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": str(user_id),
              "iat": issued_at, "fam": family, "pwd": fingerprint}
    if successor_of:
        access_jti, refresh_jti = (_successor_jti(successor_of, kind, settings) for kind in (ACCESS, REFRESH))
    else:
        access_jti, refresh_jti = uuid.uuid4().hex, uuid.uuid4().hex
    access_claims = {**common, "type": ACCESS, "jti": access_jti,
                     "exp": issued_at + settings.access_token_lifetime}
    refresh_claims = {**common, "type": REFRESH, "jti": refresh_jti,
                      "exp": issued_at + settings.refresh_token_lifetime}
    return TokenPair(_encode(access_claims, settings), _encode(refresh_claims, settings), refresh_claims)


class InvalidToken(Exception):
    """Why a token was refused (never shown to the client: every refusal answers alike)."""


def _as_int(value: Any, claim: str) -> int:
    try:
        return int(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidToken(f"{claim} must be an integer") from None


def verify_hs256(token: str, secret: str, *, audience: str, issuer: str, leeway: float,
                 required: tuple[str, ...] = REQUIRED_CLAIMS, now: float | None = None) -> dict[str, Any]:
    """The claims of an HS256 token signed with `secret`, checked as PyJWT's `jwt.decode` checks them
    (signature, alg, required claims, iat, nbf, exp with `leeway`, iss, aud, sub and jti strings);
    InvalidToken otherwise."""
    try:
        raw = token.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise InvalidToken("not ASCII") from None
    parts = raw.split(b".")
    if len(parts) != 3:
        raise InvalidToken("not a compact JWS")
    header_part, payload_part, signature_part = parts
    try:
        header = json.loads(_b64decode(header_part))
        signature = _b64decode(signature_part)
    except (ValueError, binascii.Error):
        raise InvalidToken("malformed header or signature") from None
    if not isinstance(header, dict) or header.get("alg") != ALGORITHM or "crit" in header \
            or header.get("b64", True) is not True:
        raise InvalidToken("not HS256")
    if not hmac.compare_digest(signature, _sign(header_part + b"." + payload_part, secret)):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_b64decode(payload_part))
    except (ValueError, binascii.Error):
        raise InvalidToken("malformed payload") from None
    if not isinstance(claims, dict):
        raise InvalidToken("payload is not an object")
    for claim in required:
        if claims.get(claim) is None:
            raise InvalidToken(f"{claim} missing")
    now = time.time() if now is None else now
    if "iat" in claims and _as_int(claims["iat"], "iat") > now + leeway:
        raise InvalidToken("not yet valid (iat)")
    if "nbf" in claims and _as_int(claims["nbf"], "nbf") > now + leeway:
        raise InvalidToken("not yet valid (nbf)")
    if "exp" in claims and _as_int(claims["exp"], "exp") <= now - leeway:
        raise InvalidToken("expired")
    if not isinstance(claims.get("iss"), str) or claims["iss"] != issuer:
        raise InvalidToken("issuer")
    audiences = claims.get("aud")
    if isinstance(audiences, str):
        audiences = [audiences]
    if not audiences or not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences) \
            or audience not in audiences:
        raise InvalidToken("audience")
    if not isinstance(claims.get("sub", ""), str) or not isinstance(claims.get("jti", ""), str):
        raise InvalidToken("sub and jti must be strings")
    return claims


def decode_token(token: str, expected_type: str, settings: Settings) -> dict[str, Any]:
    """The verified claims, or AuthenticationFailed for anything not exactly right."""
    if not token or len(token) > 4096:
        raise AuthenticationFailed("Token is missing or invalid.")
    try:
        claims = verify_hs256(token, settings.secret_key, audience=settings.jwt_audience,
                              issuer=settings.jwt_issuer, leeway=LEEWAY_SECONDS)
    except InvalidToken:
        raise AuthenticationFailed("Token is invalid or expired.") from None
    subject = str(claims.get("sub", ""))
    # ASCII digits only: "²".isdigit() is True, yet int("²") fails.
    if claims.get("type") != expected_type or not (subject.isascii() and subject.isdigit()) or len(subject) > 18:
        raise AuthenticationFailed("Token is invalid or expired.")
    family = claims.get("fam")
    if not isinstance(family, str) or not 0 < len(family) <= 64:  # names the family's revocation key
        raise AuthenticationFailed("Token is invalid or expired.")
    return claims
