"""The login check in one Redis round trip (issue 25): warm, a request reads Redis once and the
database not at all; every change of the account or the login family takes effect on the very
next request; a fill racing a change is never taken; a Redis without the entry falls back to the
database."""
from __future__ import annotations

import contextlib

import pytest
import redis.connection
import redis.exceptions

from tests.support.statements import recorded_statements
from videoflix.auth import login_state
from videoflix.auth.service import authenticate, create_user
from videoflix.auth.staff import StaffChange, set_staff
from videoflix.db.models import User
from videoflix.domain.cache_keys import login_state_key
from videoflix.errors import AuthenticationFailed

pytestmark = pytest.mark.integration
VIEWER, PASSWORD = "viewer@example.com", "correct-horse-9"
STAFF, STAFF_PASSWORD = "admin@example.com", "admin-password-1"
REFUSED = (401, {"detail": "Token is invalid or expired."})
REVOKED = (401, {"detail": "Token has been revoked."})


@pytest.fixture
def settings(settings):
    return settings.with_overrides(refresh_reuse_grace=0)  # a second presentation is a reuse at once


@contextlib.contextmanager
def counted(services, monkeypatch):
    """Counts Redis round trips (packed sends: a pipeline or an MGET is one) and SQL statements."""
    counts = {"redis": 0, "sql": 0}
    send = redis.connection.AbstractConnection.send_packed_command

    def counting_send(self, command, check_health=True):
        counts["redis"] += 1
        return send(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting_send)
    try:
        with recorded_statements(services.db) as statements:
            yield counts
        counts["sql"] = len(statements)
    finally:
        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", send)


def me(client):
    answer = client.get("/api/me/")
    return answer.status, answer.json


def test_a_warm_login_check_is_one_redis_round_trip_and_no_database_query(services, user_client, monkeypatch):
    viewer = user_client(VIEWER, PASSWORD)
    first = me(viewer)  # fills the account's login state
    assert first[0] == 200
    with counted(services, monkeypatch) as counts:
        assert me(viewer) == first
    assert counts == {"redis": 1, "sql": 0}
    assert viewer.get("/api/video/").status == 200  # caches the list
    with counted(services, monkeypatch) as counts:
        assert viewer.get("/api/video/").status == 200
    assert counts["sql"] == 0


def test_a_warm_token_refresh_reads_no_database(services, user_client, monkeypatch):
    """Issue 25: the refresh takes the owner's state from the login check's cache (Redis only)."""
    viewer = user_client(VIEWER, PASSWORD)
    assert me(viewer)[0] == 200  # fills the account's login state
    with counted(services, monkeypatch) as counts:
        answer = viewer.post("/api/token/refresh/")
    assert answer.status == 200, answer.text
    assert counts["sql"] == 0 and counts["redis"] <= 3  # the family, the state, using the token up
    assert me(viewer)[0] == 200  # the new pair speaks for the account
    with counted(services, monkeypatch) as counts:
        assert viewer.post("/api/token/refresh/").status == 200
    assert counts["sql"] == 0


def test_a_cold_login_check_reads_the_database_once_and_fills_the_cache(services, user_client, monkeypatch):
    viewer = user_client(VIEWER, PASSWORD)
    services.cache.delete(login_state_key(1))
    with counted(services, monkeypatch) as counts:
        assert me(viewer)[0] == 200
    assert counts["sql"] >= 1 and counts["redis"] == 2  # the lookup, then the fill
    assert services.cache.get(login_state_key(1)) is not None


def test_staff_disabling_ends_a_warm_session_on_the_next_request(services, user_client):
    staff = user_client(STAFF, STAFF_PASSWORD, staff=True)
    viewer = user_client(VIEWER, PASSWORD)
    assert me(viewer)[0] == 200 and me(viewer)[0] == 200
    viewer_id = me(viewer)[1]["id"]
    assert staff.request("PATCH", f"/api/admin/users/{viewer_id}/", {"is_active": False}).status == 200
    assert me(viewer) == REFUSED
    # Enabling the account again does not revive the session (tokens_valid_after).
    assert staff.request("PATCH", f"/api/admin/users/{viewer_id}/", {"is_active": True}).status == 200
    assert me(viewer) == REFUSED


def test_staff_deleting_ends_a_warm_session_on_the_next_request(services, user_client):
    staff = user_client(STAFF, STAFF_PASSWORD, staff=True)
    viewer = user_client(VIEWER, PASSWORD)
    viewer_id = me(viewer)[1]["id"]
    assert me(viewer)[0] == 200
    assert staff.delete(f"/api/admin/users/{viewer_id}/").status in (200, 204)
    assert me(viewer) == REFUSED


def test_withdrawn_staff_rights_take_effect_on_the_next_request(services, user_client):
    staff = user_client(STAFF, STAFF_PASSWORD, staff=True)
    second = user_client("second@example.com", "second-password-2", staff=True)
    assert second.get("/api/admin/videos/").status == 200 and me(second)[1]["is_staff"] is True
    second_id = me(second)[1]["id"]
    assert staff.request("PATCH", f"/api/admin/users/{second_id}/", {"is_staff": False}).status == 200
    assert second.get("/api/admin/videos/").status == 403
    assert me(second)[1]["is_staff"] is False
    # The operator's event grants them again: at once as well.
    set_staff(services, StaffChange("second@example.com", True))
    assert second.get("/api/admin/videos/").status == 200


def test_a_password_reset_ends_a_warm_session_on_the_next_request(client, logged_in_client, mailbox):
    viewer = logged_in_client(VIEWER, PASSWORD)
    assert me(viewer)[0] == 200 and me(viewer)[0] == 200
    assert client.post("/api/password_reset/", {"email": VIEWER}).status == 200
    _, uid, token = mailbox.link_params(mailbox.last_to(VIEWER))
    assert client.post(f"/api/password_confirm/{uid}/{token}/",
                       {"new_password": "brand-new-pass-7", "confirm_password": "brand-new-pass-7"}).status == 200
    assert me(viewer) == REFUSED


def test_an_operator_setting_a_new_password_ends_a_warm_session(services, user_client):
    viewer = user_client(VIEWER, PASSWORD)
    assert me(viewer)[0] == 200 and me(viewer)[0] == 200
    create_user(services, VIEWER, "another-pass-8")
    assert me(viewer) == REFUSED


def test_logout_and_refresh_token_reuse_end_a_warm_session_on_the_next_request(user_client, make_client):
    viewer = user_client(VIEWER, PASSWORD)
    access = viewer.cookies["access_token"]
    assert me(viewer)[0] == 200 and me(viewer)[0] == 200
    assert viewer.post("/api/logout/").status == 200
    assert me(make_client(cookies={"access_token": access})) == REVOKED

    other = user_client("other@example.com", "other-password-3")
    access, refresh = other.cookies["access_token"], other.cookies["refresh_token"]
    assert me(other)[0] == 200 and me(other)[0] == 200
    assert other.post("/api/token/refresh/").status == 200
    thief = make_client(cookies={"refresh_token": refresh})
    assert thief.post("/api/token/refresh/").status == 401  # the reuse revokes the family
    assert me(make_client(cookies={"access_token": access})) == REVOKED
    assert me(other) == REVOKED


def test_a_fill_that_raced_a_change_is_never_taken(services, user_client):
    """A request read the account (active) before staff disabled it, and writes its entry after the
    change committed and the cache was dropped: the entry carries the old generation."""
    staff = user_client(STAFF, STAFF_PASSWORD, staff=True)
    viewer = user_client(VIEWER, PASSWORD)
    viewer_id = me(viewer)[1]["id"]
    before = login_state.look_up(services.cache, viewer_id, "some-family")
    with services.db.session() as session:
        stale = login_state.state_of(session.get(User, viewer_id))
    assert staff.request("PATCH", f"/api/admin/users/{viewer_id}/", {"is_active": False}).status == 200
    login_state.remember(services.cache, stale, before.generation)  # the racing fill lands last
    assert login_state.look_up(services.cache, viewer_id, "some-family").state is None
    assert me(viewer) == REFUSED


def test_a_stale_or_foreign_entry_never_locks_out_and_never_admits(services, user_client):
    viewer = user_client(VIEWER, PASSWORD)
    access = viewer.cookies["access_token"]
    user_id = me(viewer)[1]["id"]
    generation = login_state.look_up(services.cache, user_id, "f").generation
    # An entry that refuses (inactive) is checked against the database: the session goes on.
    services.cache.set(login_state_key(user_id), f'["{generation}","{VIEWER}",false,false,null,"x"]')
    assert authenticate(services, access).email == VIEWER
    # Garbage is a miss.
    services.cache.set(login_state_key(user_id), "not json")
    assert me(viewer)[0] == 200
    # An entry of another generation is a miss, even one that would admit a disabled account.
    with services.db.session() as session:
        session.get(User, user_id).is_active = False
    services.cache.set(login_state_key(user_id), f'["{generation}","{VIEWER}",true,true,null,"x"]')
    with pytest.raises(AuthenticationFailed):
        authenticate(services, access)


def test_a_change_whose_cached_state_cannot_be_dropped_stands_and_is_logged(services, user_client, monkeypatch,
                                                                             caplog):
    staff = user_client(STAFF, STAFF_PASSWORD, staff=True)
    viewer = user_client(VIEWER, PASSWORD)
    viewer_id = me(viewer)[1]["id"]

    def refused(*_args, **_kwargs):
        raise redis.exceptions.ConnectionError("cut off")

    with monkeypatch.context() as patched:
        patched.setattr(type(services.cache), "pipeline", refused)
        assert staff.request("PATCH", f"/api/admin/users/{viewer_id}/", {"is_active": False}).status == 200
    assert "could not drop the cached login state of users [%d]" % viewer_id in caplog.text
    with services.db.session() as session:
        assert session.get(User, viewer_id).is_active is False
