"""Parsing the Cookie header and formatting Set-Cookie values."""
from __future__ import annotations


def parse_cookie_header(header: str | None) -> dict[str, str]:
    """Cookie name -> value; a malformed header yields what could be read, never an error."""
    if not header:
        return {}
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def format_set_cookie(name: str, value: str, *, max_age: int, http_only: bool, secure: bool,
                      same_site: str = "Lax", path: str = "/") -> str:
    parts = [f"{name}={value}", f"Max-Age={max_age}", f"Path={path}", f"SameSite={same_site}"]
    if max_age == 0:
        parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


