"""Sessions: a revoked login family ends its access tokens too; two tabs may refresh at once."""
from __future__ import annotations

import threading
import time

import pytest

pytestmark = pytest.mark.integration
GRACE = 1  # seconds; short, so the tests that wait it out stay quick
REVOKED = {"detail": "Token has been revoked."}
VIEWER, PASSWORD = "viewer@example.com", "correct-horse-9"


@pytest.fixture
def settings(settings):
    return settings.with_overrides(refresh_reuse_grace=GRACE)


def with_access(make_client, access):
    return make_client(cookies={"access_token": access})


def assert_revoked(answer):
    assert (answer.status, answer.json) == (401, REVOKED)


def past_the_window():
    time.sleep(GRACE + 0.6)


# ---------------------------------------------------------------- logout
def test_logout_ends_the_access_token_on_the_next_request(logged_in_client, make_client):
    viewer = logged_in_client()
    access = viewer.cookies["access_token"]
    assert with_access(make_client, access).get("/api/video/").status == 200
    assert viewer.post("/api/logout/").status == 200
    assert_revoked(with_access(make_client, access).get("/api/video/"))
    # Every catalog route refuses it before looking anything up (no 404 for a missing film).
    for path in ("/api/video/1/master.m3u8", "/api/video/1/480p/index.m3u8", "/api/video/1/480p/segment_00000.ts"):
        assert_revoked(with_access(make_client, access).get(path))


def test_logout_ends_a_staff_access_token_in_the_admin_api_cookie_and_bearer(staff_client, make_client):
    access = staff_client.cookies["access_token"]
    bearer = {"Authorization": f"Bearer {access}"}
    assert make_client().get("/api/admin/videos/", headers=bearer).status == 200
    assert staff_client.post("/api/logout/").status == 200
    assert_revoked(make_client().get("/api/admin/videos/", headers=bearer))
    assert_revoked(with_access(make_client, access).get("/api/admin/videos/"))


def test_logout_leaves_other_logins_of_the_same_person_working(logged_in_client, make_client):
    first = logged_in_client()
    second = make_client()
    assert second.post("/api/login/", {"email": VIEWER, "password": PASSWORD}).status == 200
    assert first.post("/api/logout/").status == 200
    assert second.get("/api/video/").status == 200
    assert second.post("/api/token/refresh/").status == 200


# ---------------------------------------------------------------- reuse outside the window
def test_refresh_reuse_ends_the_thiefs_access_token(logged_in_client, make_client):
    victim = logged_in_client()
    stolen = victim.cookies["refresh_token"]
    thief = make_client(cookies={"refresh_token": stolen})
    assert thief.post("/api/token/refresh/").status == 200  # the thief now holds A2/R2
    assert thief.get("/api/video/").status == 200
    past_the_window()
    answer = victim.post("/api/token/refresh/")  # the victim still presents R1
    assert answer.status == 401 and answer.json == {"detail": "Refresh token reuse detected; please log in again."}
    assert_revoked(thief.get("/api/video/"))
    assert thief.post("/api/token/refresh/").status == 401
    assert_revoked(victim.get("/api/video/"))  # the victim's A1 belongs to the family too


def test_logout_with_a_replaced_refresh_token_still_ends_the_family(logged_in_client, make_client):
    victim = logged_in_client()
    thief = make_client(cookies={"refresh_token": victim.cookies["refresh_token"]})
    assert thief.post("/api/token/refresh/").status == 200
    past_the_window()
    answer = victim.post("/api/logout/")  # R1 was used by the thief: refused as before ...
    assert (answer.status, answer.json) == (401, {"detail": "Refresh token has been revoked."})
    assert_revoked(thief.get("/api/video/"))  # ... but the thief's tokens die with the family
    assert thief.post("/api/token/refresh/").status == 401


# ---------------------------------------------------------------- two tabs at once
def test_two_tabs_refreshing_at_once_get_the_same_pair_and_stay_logged_in(logged_in_client, make_client):
    first = logged_in_client()
    second = make_client(cookies=dict(first.cookies))
    one, two = first.post("/api/token/refresh/"), second.post("/api/token/refresh/")
    assert one.status == two.status == 200
    assert one.json == two.json and one.json["detail"] == "Token refreshed"
    assert first.cookies["refresh_token"] == second.cookies["refresh_token"]
    assert first.cookies["access_token"] == second.cookies["access_token"]
    # The family is alive: the new pair works, and rotates on.
    assert first.get("/api/video/").status == 200
    past_the_window()
    assert second.post("/api/token/refresh/").status == 200
    assert second.get("/api/video/").status == 200


def test_truly_simultaneous_refreshes_both_succeed(logged_in_client, make_client):
    first = logged_in_client()
    tabs = [make_client(cookies=dict(first.cookies)) for _ in range(2)]
    start, answers = threading.Barrier(2), [None, None]

    def refresh(index):
        start.wait()
        answers[index] = tabs[index].post("/api/token/refresh/")

    threads = [threading.Thread(target=refresh, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status for a in answers] == [200, 200], [a.text for a in answers]
    for name in ("access_token", "refresh_token"):
        assert tabs[0].cookies[name] == tabs[1].cookies[name] != first.cookies[name]
    assert tabs[0].get("/api/video/").status == 200


def test_the_grace_is_once_a_third_presentation_is_reuse(logged_in_client, make_client):
    first = logged_in_client()
    r1 = first.cookies["refresh_token"]
    assert first.post("/api/token/refresh/").status == 200
    assert make_client(cookies={"refresh_token": r1}).post("/api/token/refresh/").status == 200
    third = make_client(cookies={"refresh_token": r1}).post("/api/token/refresh/")
    assert third.status == 401 and "reuse" in third.json["detail"]
    assert_revoked(first.get("/api/video/"))


def test_after_the_window_a_replaced_token_kills_the_family_and_its_access_tokens(logged_in_client, make_client):
    first = logged_in_client()
    r1 = first.cookies["refresh_token"]
    assert first.post("/api/token/refresh/").status == 200
    past_the_window()
    late = make_client(cookies={"refresh_token": r1}).post("/api/token/refresh/")
    assert late.status == 401 and "reuse" in late.json["detail"]
    assert_revoked(first.get("/api/video/"))
    assert first.post("/api/token/refresh/").status == 401


def test_logging_out_in_one_tab_while_another_refreshes_ends_the_new_pair_too(logged_in_client, make_client):
    first = logged_in_client()
    second = make_client(cookies=dict(first.cookies))
    assert first.post("/api/token/refresh/").status == 200  # R1 -> R2 in the first tab
    assert second.post("/api/logout/").status == 200  # R1, just replaced, logs the family out
    assert_revoked(first.get("/api/video/"))
    assert first.post("/api/token/refresh/").status == 401


def test_a_refresh_token_revoked_by_logout_gets_no_grace(logged_in_client, make_client):
    first = logged_in_client()
    r1 = first.cookies["refresh_token"]
    assert first.post("/api/logout/").status == 200
    assert make_client(cookies={"refresh_token": r1}).post("/api/token/refresh/").status == 401


# ---------------------------------------------------------------- Redis down: fail closed, like refresh
def test_without_the_token_store_authenticated_requests_answer_503(services, logged_in_client, staff_client):
    from videoflix.adapters.redis_cache import connect_redis

    viewer = logged_in_client()
    working = services.redis
    services.redis = connect_redis("redis://127.0.0.1:1/0")
    try:
        for client, path in ((viewer, "/api/video/"), (staff_client, "/api/admin/videos/")):
            answer = client.get(path)
            assert answer.status == 503
            assert answer.json == {"detail": "The token store is unavailable. Try again shortly."}
            assert int(answer.header("Retry-After")) > 0
    finally:
        services.redis = working
    assert viewer.get("/api/video/").status == 200
