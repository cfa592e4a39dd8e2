"""Login: one generic failure, one bcrypt verify, cookies with the right attributes."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-9"
GENERIC = {"detail": "Please check your input and try again."}


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    parts = [p.strip() for p in set_cookie.split(";")]
    attributes = {}
    for part in parts[1:]:
        name, _, value = part.partition("=")
        attributes[name.lower()] = value
    return attributes


def test_login_answers_user_and_sets_cookies(register_user, make_client, services):
    register_user("Viewer@Example.com")
    client = make_client()
    answer = client.post("/api/login/", {"email": "viewer@example.com", "password": PASSWORD,
                                         "remember": True})
    assert answer.status == 200
    assert answer.json["detail"] == "Login successful"
    assert answer.json["user"]["username"] == "viewer@example.com"
    assert isinstance(answer.json["user"]["id"], int)
    cookies = answer.set_cookies()
    assert set(cookies) == {"access_token", "refresh_token", "csrftoken"}
    settings = services.settings
    for name, lifetime in (("access_token", settings.access_token_lifetime),
                           ("refresh_token", settings.refresh_token_lifetime)):
        attributes = cookie_attributes(cookies[name])
        assert "httponly" in attributes
        assert attributes["samesite"] == "Lax" and attributes["path"] == "/"
        assert attributes["max-age"] == str(lifetime)
        assert "secure" not in attributes  # off in dev/test settings
    assert "httponly" not in cookie_attributes(cookies["csrftoken"])
    assert answer.header("Cache-Control") == "no-store"


def test_secure_cookies_when_configured(register_user, make_client, services):
    register_user()
    services.settings = services.settings.with_overrides(cookie_secure=True)
    answer = make_client().post("/api/login/", {"email": "viewer@example.com", "password": PASSWORD})
    cookies = answer.set_cookies()
    # Named first: all() over no cookies at all would pass too.
    assert set(cookies) == {"access_token", "refresh_token", "csrftoken"}
    assert all("secure" in cookie_attributes(value) for value in cookies.values())


@pytest.mark.parametrize("email,password", [
    ("viewer@example.com", "wrong-password-1"),
    ("nobody@example.com", PASSWORD),
    ("not an email", PASSWORD),
    ("viewer@example.com", "x" * 100),
])
def test_failed_logins_share_one_generic_401(register_user, make_client, email, password):
    register_user()
    answer = make_client().post("/api/login/", {"email": email, "password": password})
    assert (answer.status, answer.json) == (401, GENERIC)
    assert answer.set_cookies() == {}


def test_inactive_account_gets_the_same_401(client, mailbox):
    client.post("/api/register/", {"email": "idle@example.com", "password": PASSWORD,
                                   "confirmed_password": PASSWORD})
    answer = client.post("/api/login/", {"email": "idle@example.com", "password": PASSWORD})
    assert (answer.status, answer.json) == (401, GENERIC)


@pytest.mark.parametrize("case", ["unknown", "wrong", "inactive", "ok"])
def test_every_login_spends_exactly_one_bcrypt_verify(client, mailbox, register_user, monkeypatch, case):
    register_user("active@example.com")
    client.post("/api/register/", {"email": "inactive@example.com", "password": PASSWORD,
                                   "confirmed_password": PASSWORD})
    import bcrypt

    calls = []
    original = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *a: calls.append(1) or original(*a))
    email, password = {"unknown": ("ghost@example.com", PASSWORD), "wrong": ("active@example.com", "nope-nope-1"),
                       "inactive": ("inactive@example.com", PASSWORD),
                       "ok": ("active@example.com", PASSWORD)}[case]
    status = client.post("/api/login/", {"email": email, "password": password}).status
    assert status == (200 if case == "ok" else 401)
    assert len(calls) == 1


def test_missing_fields_are_field_errors(client):
    answer = client.post("/api/login/", {"email": "viewer@example.com"})
    assert answer.status == 400 and answer.json == {"password": ["This field is required."]}


def test_stale_cookie_on_a_public_route_is_ignored(register_user, make_client):
    register_user()
    client = make_client(cookies={"access_token": "garbage", "refresh_token": "also.garbage.x"})
    answer = client.post("/api/login/", {"email": "viewer@example.com", "password": PASSWORD})
    assert answer.status == 200
    assert make_client(cookies={"access_token": "garbage"}).get("/api/health/").status == 200


def test_protected_route_accepts_cookie_or_bearer(logged_in_client, make_client):
    browser = logged_in_client()
    assert browser.get("/api/video/").status == 200
    bearer = make_client(origin=None)
    assert bearer.get("/api/video/").status == 401
    token = browser.cookies["access_token"]
    answer = bearer.get("/api/video/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    assert bearer.get("/api/video/", headers={"Authorization": "Bearer nonsense"}).status == 401
    refresh = browser.cookies["refresh_token"]
    # A refresh token is not an access token.
    assert bearer.get("/api/video/", headers={"Authorization": f"Bearer {refresh}"}).status == 401
