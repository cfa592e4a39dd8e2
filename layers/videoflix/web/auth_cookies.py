"""The cookies that carry a login: HttpOnly JWTs plus a readable csrftoken."""
from __future__ import annotations

import secrets

from videoflix.auth.jwt_tokens import TokenPair
from videoflix.settings import Settings
from videoflix.web.cookies import format_set_cookie

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrftoken"


def login_cookies(tokens: TokenPair, settings: Settings) -> list[str]:
    secure = settings.cookie_secure
    return [
        format_set_cookie(ACCESS_COOKIE, tokens.access, max_age=settings.access_token_lifetime,
                          http_only=True, secure=secure),
        format_set_cookie(REFRESH_COOKIE, tokens.refresh, max_age=settings.refresh_token_lifetime,
                          http_only=True, secure=secure),
        # Readable on purpose: the shared frontend reads it before logging out.
        format_set_cookie(CSRF_COOKIE, secrets.token_urlsafe(32), max_age=settings.refresh_token_lifetime,
                          http_only=False, secure=secure),
    ]


def cleared_cookies(settings: Settings) -> list[str]:
    return [format_set_cookie(name, "", max_age=0, http_only=name != CSRF_COOKIE,
                              secure=settings.cookie_secure)
            for name in (ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE)]
