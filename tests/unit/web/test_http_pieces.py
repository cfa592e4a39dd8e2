import pytest

from videoflix.errors import FieldErrors, InvalidInput, PayloadTooLarge
from videoflix.web.cookies import format_set_cookie, parse_cookie_header
from videoflix.web.cors import cors_headers, is_cross_site_write, preflight_headers
from videoflix.web.requests import parse_json_object, require_strings

ALLOWED = ("http://127.0.0.1:5500", "http://localhost:5500")


def test_cookie_header_parsing_is_forgiving():
    assert parse_cookie_header(None) == {}
    assert parse_cookie_header('a=1; b="2"; junk; =x; a=3') == {"a": "1", "b": "2"}


def test_set_cookie_format():
    value = format_set_cookie("access_token", "abc", max_age=1800, http_only=True, secure=True)
    assert value == "access_token=abc; Max-Age=1800; Path=/; SameSite=Lax; HttpOnly; Secure"
    cleared = format_set_cookie("csrftoken", "", max_age=0, http_only=False, secure=False)
    assert "Max-Age=0" in cleared and "Expires=Thu, 01 Jan 1970" in cleared and "HttpOnly" not in cleared


def test_cors_echoes_only_allowed_origins():
    assert cors_headers("http://localhost:5500", ALLOWED)["Access-Control-Allow-Origin"] == "http://localhost:5500"
    assert cors_headers("http://localhost:5500/", ALLOWED)["Access-Control-Allow-Credentials"] == "true"
    assert cors_headers("https://evil.example", ALLOWED) == {}
    assert cors_headers(None, ALLOWED) == {}
    assert "Access-Control-Allow-Methods" in preflight_headers("http://127.0.0.1:5500", ALLOWED)
    assert preflight_headers("null", ALLOWED) == {}


@pytest.mark.parametrize("method,origin,refused", [
    ("POST", "https://evil.example", True), ("DELETE", "null", True), ("POST", "http://127.0.0.1:5500", False),
    ("POST", None, False), ("GET", "https://evil.example", False), ("OPTIONS", "https://evil.example", False),
])
def test_cross_site_writes(method, origin, refused):
    assert is_cross_site_write(method, origin, ALLOWED) is refused


def test_json_object_parsing():
    assert parse_json_object(b'{"a": 1}', max_bytes=100) == {"a": 1}
    assert parse_json_object(b"", max_bytes=100) == {}
    for bad in (b"[1]", b'"x"', b"nul", b"\xff"):
        with pytest.raises(InvalidInput):
            parse_json_object(bad, max_bytes=100)
    with pytest.raises(PayloadTooLarge):
        parse_json_object(b"{" + b" " * 200 + b"}", max_bytes=100)


def test_require_strings_collects_every_problem():
    with pytest.raises(FieldErrors) as error:
        require_strings({"a": "", "b": 5, "c": "ok"}, "a", "b", "c", "d")
    assert error.value.fields == {"a": ["This field is required."], "b": ["Must be a string."],
                                  "d": ["This field is required."]}
    assert require_strings({"a": "x", "extra": 1}, "a") == {"a": "x"}
