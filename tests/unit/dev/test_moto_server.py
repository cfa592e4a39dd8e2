"""The dev stack's S3 CORS answer: credentials for the provisioned origins, nothing for others."""
from __future__ import annotations

from videoflix_tools.dev.moto_server import S3CorsCredentials

ALLOWED = ("http://127.0.0.1:5500", "http://localhost:5500")


def answer(upstream_headers: list[tuple[str, str]], origin: str | None) -> dict[str, str]:
    def upstream(environ, start_response):
        start_response("200 OK", list(upstream_headers))
        return [b"segment"]

    captured = {}

    def start_response(status, headers, exc_info=None):
        captured.update(headers)

    environ = {"HTTP_ORIGIN": origin} if origin else {}
    assert list(S3CorsCredentials(upstream, ALLOWED)(environ, start_response)) == [b"segment"]
    return captured


def test_an_allowed_origin_gets_credentials_as_from_s3():
    headers = answer([("Access-Control-Allow-Origin", "http://127.0.0.1:5500"), ("ETag", '"x"')],
                     "http://127.0.0.1:5500")
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:5500"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert headers["Vary"] == "Origin"
    assert headers["ETag"] == '"x"'


def test_an_origin_no_rule_names_gets_no_cors_even_when_moto_echoes_it():
    headers = answer([("Access-Control-Allow-Origin", "http://evil.example"), ("ETag", '"x"')],
                     "http://evil.example")
    assert "Access-Control-Allow-Origin" not in headers
    assert "Access-Control-Allow-Credentials" not in headers
    assert headers["ETag"] == '"x"'


def test_requests_without_origin_or_without_a_cors_answer_pass_unchanged():
    assert answer([("ETag", '"x"')], None) == {"ETag": '"x"'}
    assert answer([("ETag", '"x"')], "http://127.0.0.1:5500") == {"ETag": '"x"'}
