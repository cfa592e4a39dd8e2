"""`videoflix login`/`logout` and the token handling every admin command relies on."""
from __future__ import annotations

import io
import json
import stat
import sys
import time

import pytest

from tests.integration.cli.conftest import STAFF_EMAIL, STAFF_PASSWORD, one_line_error
from videoflix.auth.jwt_tokens import issue_token_pair
from videoflix.auth.service import create_user
from videoflix_tools.dev.stack import free_port

pytestmark = pytest.mark.integration


def stored(config_dir) -> dict:
    return json.loads((config_dir / "credentials.json").read_text())


def store(config_dir, **changes) -> None:
    path = config_dir / "credentials.json"
    path.write_text(json.dumps({**stored(config_dir), **changes}))


def test_login_keeps_the_tokens_readable_by_the_owner_only(staff_user, api_url, videoflix, config_dir,
                                                            monkeypatch):
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", STAFF_PASSWORD)
    result = videoflix("login", "--api", f"{api_url}/", "--email", STAFF_EMAIL)
    assert result.code == 0, result.err
    assert f"Logged in to {api_url} as {STAFF_EMAIL}" in result.out
    path = config_dir / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    credentials = stored(config_dir)
    assert credentials["api"] == api_url and credentials["email"] == STAFF_EMAIL
    assert credentials["access"].count(".") == 2 and credentials["refresh"].count(".") == 2
    assert videoflix("videos").code == 0


def test_login_reads_the_password_from_standard_input(staff_user, api_url, videoflix, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{STAFF_PASSWORD}\n"))
    assert videoflix("login", "--api", api_url, "--email", STAFF_EMAIL).code == 0


def test_wrong_password_is_a_one_line_error_and_stores_nothing(staff_user, api_url, videoflix, config_dir,
                                                               monkeypatch):
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", "not-the-password")
    line = one_line_error(videoflix("login", "--api", api_url, "--email", STAFF_EMAIL))
    assert f"login refused for {STAFF_EMAIL}: wrong email or password" in line
    assert not (config_dir / "credentials.json").exists()


def test_unreachable_api_names_the_url_and_make_dev(services, videoflix, monkeypatch):
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", STAFF_PASSWORD)
    dead = f"http://127.0.0.1:{free_port()}"
    line = one_line_error(videoflix("login", "--api", dead, "--email", STAFF_EMAIL))
    assert f"cannot reach the Videoflix API at {dead}" in line and "make dev" in line


def test_a_url_that_is_no_api_is_told_apart(staff_user, api_url, videoflix, monkeypatch):
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", STAFF_PASSWORD)
    line = one_line_error(videoflix("login", "--api", f"{api_url}/api", "--email", STAFF_EMAIL))
    assert "(404)" in line and "without /api" in line
    assert "http(s) URL" in one_line_error(videoflix("login", "--api", "127.0.0.1:8000", "--email", STAFF_EMAIL))


@pytest.mark.parametrize("command", [("videos",), ("retry", "1"), ("delete", "1")])
def test_commands_before_login_say_how_to_log_in(services, videoflix, command):
    assert "not logged in; run `videoflix login --api URL --email EMAIL` first" in one_line_error(videoflix(*command))


def test_a_stored_api_that_went_away_is_reported(logged_in, videoflix, config_dir):
    store(config_dir, api=f"http://127.0.0.1:{free_port()}")
    assert "make dev" in one_line_error(videoflix("videos"))


def test_an_expired_access_token_is_renewed_transparently(logged_in, videoflix, config_dir, services):
    before = stored(config_dir)
    long_ago = time.time() - services.settings.access_token_lifetime - 3600
    expired = issue_token_pair(logged_in.id, logged_in.password_hash, services.settings, now=long_ago).access
    store(config_dir, access=expired)

    result = videoflix("videos")
    assert result.code == 0, result.err
    after = stored(config_dir)
    assert after["access"] not in {expired, before["access"]}
    assert after["refresh"] != before["refresh"]  # rotated, and the rotation was kept
    assert stat.S_IMODE((config_dir / "credentials.json").stat().st_mode) == 0o600

    store(config_dir, access=expired)
    assert videoflix("videos").code == 0  # the stored (new) refresh token works in turn


def test_a_refused_refresh_token_asks_to_log_in_again(logged_in, videoflix, config_dir):
    store(config_dir, access="expired", refresh="revoked")
    line = one_line_error(videoflix("videos"))
    assert "your login has expired" in line and "videoflix login --api" in line


def test_a_user_without_staff_rights_gets_the_apis_reason(services, api_url, videoflix, monkeypatch):
    create_user(services, "viewer@example.com", "viewer-password-1")
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", "viewer-password-1")
    assert videoflix("login", "--api", api_url, "--email", "viewer@example.com").code == 0
    assert one_line_error(videoflix("videos")).endswith("the API answered 403: Staff access required.")


def test_logout_revokes_the_refresh_token_and_forgets_it(logged_in, videoflix, config_dir, api_url):
    refresh = stored(config_dir)["refresh"]
    result = videoflix("logout")
    assert result.code == 0 and f"Logged out of {api_url}" in result.out
    assert not (config_dir / "credentials.json").exists()
    from videoflix_tools.cli.api import call

    answer = call(api_url, "POST", "/api/token/refresh/", None, {"Cookie": f"refresh_token={refresh}"})
    assert answer.status == 401
