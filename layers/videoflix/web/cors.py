"""CORS for a list of allowed origins with credentials (never `*`)."""
from __future__ import annotations

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization, X-CSRFToken, X-Requested-With, Accept"


def cors_headers(origin: str | None, allowed_origins: tuple[str, ...]) -> dict[str, str]:
    if not origin or origin.rstrip("/") not in allowed_origins:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def preflight_headers(origin: str | None, allowed_origins: tuple[str, ...]) -> dict[str, str]:
    headers = cors_headers(origin, allowed_origins)
    if headers:
        headers.update({
            "Access-Control-Allow-Methods": ALLOWED_METHODS,
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
        })
    return headers


def is_cross_site_write(method: str, origin: str | None, allowed_origins: tuple[str, ...]) -> bool:
    """A state-changing request sent by a page outside the allowed origins (CSRF)."""
    if method in {"GET", "HEAD", "OPTIONS"} or not origin:
        return False
    return origin.rstrip("/") not in allowed_origins
