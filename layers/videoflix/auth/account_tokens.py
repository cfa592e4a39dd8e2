"""Single-use, expiring HMAC tokens for activation and password reset (Django's design).

A token is `<timestamp base36>-<hmac>`, where the HMAC covers the user's id, the purpose,
the timestamp and a piece of state that changes once the token is used: `is_active` and
the pending password hash for activation, the password hash for reset. Using a token changes
that state, so it stops verifying: single use without storing anything. An activation link
also dies when the pending password is replaced (a later registration, a reset): it can
only ever activate the password it was sent for.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Protocol


class TokenSubject(Protocol):
    id: int
    email: str
    password_hash: str
    is_active: bool


def encode_uid(user_id: int) -> str:
    return base64.urlsafe_b64encode(str(user_id).encode()).decode().rstrip("=")


def decode_uid(uidb64: str) -> int | None:
    """The user id in `uidb64`, or None when it is not a base64-encoded positive number."""
    if not uidb64 or len(uidb64) > 32:
        return None
    try:
        text = base64.urlsafe_b64decode(uidb64 + "=" * (-len(uidb64) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.isdigit() or len(text) > 18:
        return None
    value = int(text)
    return value if value > 0 else None


def _to_base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


def _state(user: TokenSubject, purpose: str) -> str:
    if purpose == "activation":
        return f"active={int(bool(user.is_active))}|password={user.password_hash}"
    if purpose == "password_reset":
        return f"password={user.password_hash}"
    raise ValueError(f"unknown token purpose {purpose!r}")


def _signature(user: TokenSubject, purpose: str, timestamp: int, secret: str) -> str:
    message = f"{purpose}|{user.id}|{user.email}|{timestamp}|{_state(user, purpose)}".encode()
    key = hashlib.sha256(f"videoflix.account-token|{secret}".encode()).digest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def make_account_token(user: TokenSubject, purpose: str, secret: str, now: float | None = None) -> str:
    timestamp = int(time.time() if now is None else now)
    return f"{_to_base36(timestamp)}-{_signature(user, purpose, timestamp, secret)}"


def check_account_token(user: TokenSubject, token: str, purpose: str, secret: str,
                        max_age: int, now: float | None = None) -> bool:
    if not token or len(token) > 64 or "-" not in token or not token.isascii():
        return False  # compare_digest refuses non-ASCII text (TypeError)
    stamp, _, signature = token.partition("-")
    try:
        timestamp = int(stamp, 36)
    except ValueError:
        return False
    expected = _signature(user, purpose, timestamp, secret)
    if not hmac.compare_digest(expected, signature):
        return False
    current = time.time() if now is None else now
    return 0 <= current - timestamp <= max_age
