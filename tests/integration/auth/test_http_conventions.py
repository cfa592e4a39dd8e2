"""What every API answer shares: JSON bodies, CORS, CSRF, slashes, security headers."""
from __future__ import annotations

import pytest

from videoflix_tools.testing.api_client import FRONTEND_ORIGIN

pytestmark = pytest.mark.integration
AUTH_ROUTES = [("POST", "/api/register/"), ("GET", "/api/activate/MQ/1-abc/"), ("POST", "/api/login/"),
               ("POST", "/api/logout/"), ("POST", "/api/token/refresh/"), ("POST", "/api/password_reset/"),
               ("POST", "/api/password_confirm/MQ/1-abc/"), ("GET", "/api/health/")]


@pytest.mark.parametrize("method,path", AUTH_ROUTES)
@pytest.mark.parametrize("origin", [FRONTEND_ORIGIN, "http://localhost:5500"])
def test_preflight_answers_allowed_origins_with_credentials(client, method, path, origin):
    answer = client.request("OPTIONS", path, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type"})
    assert answer.status == 200
    assert answer.header("Access-Control-Allow-Origin") == origin
    assert answer.header("Access-Control-Allow-Credentials") == "true"
    assert method in answer.header("Access-Control-Allow-Methods")
    assert "content-type" in answer.header("Access-Control-Allow-Headers").lower()


def test_foreign_origins_get_no_cors_and_never_a_wildcard(make_client):
    evil = make_client(origin="https://evil.example")
    preflight = evil.request("OPTIONS", "/api/login/", headers={"Access-Control-Request-Method": "POST"})
    assert preflight.header("Access-Control-Allow-Origin") is None
    answer = evil.get("/api/health/")
    assert answer.header("Access-Control-Allow-Origin") is None
    for result in (preflight, answer):
        assert "*" not in (result.header("Access-Control-Allow-Origin") or "")


def test_cross_site_writes_are_refused(make_client, register_user):
    register_user()
    answer = make_client(origin="https://evil.example").post(
        "/api/login/", {"email": "viewer@example.com", "password": "correct-horse-9"})
    assert answer.status == 403 and "detail" in answer.json


def test_simple_responses_carry_cors_for_the_frontend(client):
    answer = client.post("/api/login/", {"email": "a@example.com", "password": "whatever-1"})
    assert answer.status == 401
    assert answer.header("Access-Control-Allow-Origin") == FRONTEND_ORIGIN
    assert answer.header("Access-Control-Allow-Credentials") == "true"
    assert answer.header("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", ["/api/password_reset", "/api/password_reset/"])
def test_paths_work_with_and_without_trailing_slash(client, path):
    assert client.post(path, {"email": "someone@example.com"}).status == 200


@pytest.mark.parametrize("method,path,body,status", [
    ("GET", "/api/login/", None, 405),
    ("DELETE", "/api/register/", None, 405),
    ("GET", "/api/nothing-here/", None, 404),
    ("POST", "/api/login/", b"{not json", 400),
    ("POST", "/api/login/", b"[1, 2]", 400),
    ("POST", "/api/login/", b"\xff\xfe", 400),
    ("POST", "/api/register/", b"{}", 400),
    ("POST", "/api/login/", b'{"email": "' + b"a" * 70000 + b'"}', 413),
])
def test_errors_are_json(client, method, path, body, status):
    answer = client.request(method, path, raw=body or b"")
    assert answer.status == status
    assert answer.header("Content-Type").startswith("application/json")
    assert isinstance(answer.json, dict) and answer.json
    assert "Code" not in answer.json and "Traceback" not in answer.text


def test_unsupported_content_type_is_json(client):
    answer = client.post("/api/login/", raw=b"email=a", headers={"Content-Type": "text/plain"})
    assert 400 <= answer.status < 500
    assert isinstance(answer.json, dict) and "detail" in answer.json


def test_unexpected_failures_are_a_json_500_without_a_traceback(client, services, monkeypatch):
    from videoflix.auth import service

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "request_password_reset", explode)
    answer = client.post("/api/password_reset/", {"email": "a@example.com"})
    assert answer.status == 500
    assert "detail" in answer.json and "secret internals" not in answer.text


def test_hsts_outside_dev(client, services):
    services.settings = services.settings.with_overrides(environment="prod")
    answer = client.get("/api/health/")
    assert "max-age=" in answer.header("Strict-Transport-Security")


def test_health_reports_every_dependency(client):
    answer = client.get("/api/health/")
    assert answer.status == 200
    body = answer.json
    assert body["status"] == "ok"
    for part in ("database", "cache", "aws"):
        assert body[part]["status"] == "ok"


def test_health_is_503_when_the_cache_is_down(client, services):
    import redis

    services.redis = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    answer = client.get("/api/health/")
    assert answer.status == 503
    assert answer.json["cache"]["status"] == "down"
