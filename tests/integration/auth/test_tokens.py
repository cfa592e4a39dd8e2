"""Refresh rotation, reuse detection, logout revocation."""
from __future__ import annotations

import time

import jwt
import pytest

from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings):
    """Reuse detection itself, without the grace window for two tabs (auth/test_sessions.py tests that)."""
    return settings.with_overrides(refresh_reuse_grace=0)


def test_refresh_rotates_and_issues_a_new_access_token(logged_in_client):
    client = logged_in_client()
    old_access, old_refresh = client.cookies["access_token"], client.cookies["refresh_token"]
    answer = client.post("/api/token/refresh/")
    assert answer.status == 200
    assert answer.json["detail"] == "Token refreshed"
    assert answer.json["access"] == client.cookies["access_token"] != old_access
    assert client.cookies["refresh_token"] != old_refresh
    claims = jwt.decode(answer.json["access"], TEST_SECRET, algorithms=["HS256"], audience="videoflix-api")
    assert claims["type"] == "access" and claims["iss"] == "videoflix"
    assert claims["exp"] - claims["iat"] == 30 * 60
    assert {"jti", "sub"} <= set(claims)
    assert {"access_token", "refresh_token", "csrftoken"} == set(answer.set_cookies())


def test_reused_refresh_token_revokes_the_whole_family(logged_in_client, make_client):
    client = logged_in_client()
    stolen = client.cookies["refresh_token"]
    assert client.post("/api/token/refresh/").status == 200
    thief = make_client(cookies={"refresh_token": stolen})
    answer = thief.post("/api/token/refresh/")
    assert answer.status == 401 and "reuse" in answer.json["detail"]
    # The legitimate holder's newer token belongs to the same family: revoked too.
    assert client.post("/api/token/refresh/").status == 401


def test_other_logins_survive_a_reuse_in_one_family(logged_in_client, make_client):
    client = logged_in_client()
    second = make_client()
    assert second.post("/api/login/", {"email": "viewer@example.com", "password": "correct-horse-9"}).status == 200
    stolen = client.cookies["refresh_token"]
    client.post("/api/token/refresh/")
    make_client(cookies={"refresh_token": stolen}).post("/api/token/refresh/")
    assert second.post("/api/token/refresh/").status == 200


def test_logout_revokes_the_refresh_token_and_clears_cookies(logged_in_client, make_client):
    client = logged_in_client()
    refresh = client.cookies["refresh_token"]
    answer = client.post("/api/logout/")
    assert answer.status == 200
    assert answer.json == {"detail": "Logout successful! All tokens will be deleted. "
                                     "Refresh token is now invalid."}
    cleared = answer.set_cookies()
    assert set(cleared) == {"access_token", "refresh_token", "csrftoken"}
    assert all("Max-Age=0" in value for value in cleared.values())
    assert client.cookies == {}
    replay = make_client(cookies={"refresh_token": refresh})
    assert replay.post("/api/token/refresh/").status == 401
    assert replay.post("/api/logout/").status == 401


def test_missing_refresh_cookie_is_400_json(client):
    for path in ("/api/token/refresh/", "/api/logout/", "/api/logout"):
        answer = client.post(path)
        assert answer.status == 400 and answer.json == {"detail": "Refresh token missing."}


@pytest.mark.parametrize("token", [
    "not-a-jwt",
    jwt.encode({"sub": "1", "type": "refresh"}, "wrong-secret-wrong-secret-wrong-secret!", algorithm="HS256"),
    jwt.encode({"sub": "1", "type": "refresh", "iss": "videoflix", "aud": "videoflix-api", "jti": "x",
                "iat": int(time.time()), "exp": int(time.time()) + 60}, None, algorithm="none"),
    jwt.encode({"sub": "1", "type": "refresh", "iss": "videoflix", "aud": "videoflix-api", "jti": "x",
                "iat": int(time.time()) - 100, "exp": int(time.time()) - 50}, TEST_SECRET, algorithm="HS256"),
])
def test_invalid_refresh_tokens_are_401(client, token):
    answer = client.__class__(client.gateway, cookies={"refresh_token": token}).post("/api/token/refresh/")
    assert answer.status == 401 and "detail" in answer.json


def test_access_token_cannot_refresh(logged_in_client, make_client):
    client = logged_in_client()
    answer = make_client(cookies={"refresh_token": client.cookies["access_token"]}).post("/api/token/refresh/")
    assert answer.status == 401


def test_expired_access_token_is_refused(logged_in_client, make_client, services):
    from sqlalchemy import select

    from videoflix.auth.jwt_tokens import issue_token_pair
    from videoflix.db.models import User

    logged_in_client()
    with services.db.session() as session:
        user = session.scalars(select(User).where(User.email == "viewer@example.com")).one()
        fresh = issue_token_pair(user.id, user.password_hash, services.settings)
        expired = issue_token_pair(user.id, user.password_hash, services.settings,
                                   now=time.time() - services.settings.access_token_lifetime - 60)
    assert make_client(cookies={"access_token": fresh.access}).get("/api/video/").status == 200
    assert make_client(cookies={"access_token": expired.access}).get("/api/video/").status == 401
