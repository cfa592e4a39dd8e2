"""Staff console, accounts: search, disable and enable, staff rights, delete, activation emails, history."""
from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.integration.console.conftest import STAFF, VIEWER, VIEWER_PASSWORD, history
from videoflix.auth.service import create_user
from videoflix.staff.users import change_user, delete_user
from videoflix.db.models import AdminHistory, User
from videoflix.errors import Conflict

pytestmark = pytest.mark.integration


def _id(services, email: str) -> int:
    with services.db.session() as session:
        return session.scalars(select(User.id).where(User.email == email)).one()


def _load(services, user_id: int) -> User:
    with services.db.session() as session:
        return session.get(User, user_id)


def test_users_are_searched_by_address_and_paged(services, staff):
    for name in ("Alice", "bob", "carol", "alina"):
        create_user(services, f"{name}@example.com", "correct-horse-9")
    everyone = staff.get("/api/admin/users/").json
    assert everyone["total"] == 5 and everyone["page"] == 1 and everyone["page_size"] == 20
    assert set(everyone["items"][0]) == {"id", "email", "is_active", "is_staff", "date_joined", "last_login",
                                         "email_verified", "status"}  # the last two added by issue 21
    found = staff.get("/api/admin/users/?q=AL").json
    assert [u["email"] for u in found["items"]] == ["alice@example.com", "alina@example.com"]
    assert staff.get("/api/admin/users/?q=%25").json["total"] == 0  # a literal %, not a wildcard
    page = staff.get("/api/admin/users/?page=2&page_size=2").json
    assert (page["total"], page["page"], page["page_size"], len(page["items"])) == (5, 2, 2, 2)


@pytest.mark.parametrize("query, field", [("page=0", "page"), ("page=x", "page"), ("page_size=101", "page_size"),
                                          ("page_size=-1", "page_size"), ("q=" + "a" * 255, "q")])
def test_bad_list_parameters_are_400(staff, query, field):
    answer = staff.get(f"/api/admin/users/?{query}")
    assert answer.status == 400 and field in answer.json
    if field != "q":
        assert staff.get(f"/api/admin/history/?{query}").status == 400


def test_disabling_ends_the_open_session_at_once_and_blocks_login(services, staff, viewer, make_client):
    assert viewer.get("/api/video/").status == 200
    user_id = _id(services, VIEWER)
    answer = staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_active": False})
    assert answer.status == 200 and answer.json["is_active"] is False
    assert viewer.get("/api/video/").status == 401
    assert viewer.post("/api/token/refresh/").status == 401
    again = make_client()
    assert again.post("/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}).status == 401
    # Neither a reset nor a new registration lets the owner enable it again.
    assert again.post("/api/register/", {"email": VIEWER, "password": "another-horse-9",
                                         "confirmed_password": "another-horse-9"}).status == 201
    with services.db.session() as session:
        assert session.get(User, user_id).is_active is False
    # Enabled again: the old session stays ended, a new login works.
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_active": True}).json["is_active"] is True
    assert viewer.get("/api/video/").status == 401
    assert again.post("/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}).status == 200
    assert again.get("/api/video/").status == 200
    assert [(r["action"], r["changes"]) for r in history(staff)] == [
        ("user.change", {"is_active": [False, True]}), ("user.change", {"is_active": [True, False]})]


def test_staff_rights_are_granted_and_withdrawn(services, staff, viewer):
    user_id = _id(services, VIEWER)
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_staff": True}).json["is_staff"] is True
    assert viewer.get("/api/admin/users/").status == 200
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_staff": False}).status == 200
    assert viewer.get("/api/admin/users/").status == 403


@pytest.mark.parametrize("body", [{}, {"is_active": "no"}, {"is_staff": 1}])
def test_bad_user_changes_are_400(services, staff, viewer, body):
    assert staff.request("PATCH", f"/api/admin/users/{_id(services, VIEWER)}/", body).status == 400


def test_unknown_users_are_404(staff):
    assert staff.request("PATCH", "/api/admin/users/999/", {"is_active": False}).status == 404
    assert staff.delete("/api/admin/users/999/").status == 404
    assert staff.post("/api/admin/users/x/activation-email/").status == 404


def test_staff_cannot_disable_demote_or_delete_themselves(services, staff):
    me = _id(services, STAFF)
    for body in ({"is_active": False}, {"is_staff": False}):
        answer = staff.request("PATCH", f"/api/admin/users/{me}/", body)
        assert answer.status == 409 and "your own account" in answer.json["detail"]
    assert staff.delete(f"/api/admin/users/{me}/").status == 409
    assert staff.get("/api/admin/users/").status == 200 and history(staff) == []


def test_the_last_staff_account_cannot_be_revoked_and_says_why(services, staff):
    staff_user = create_user(services, "second@example.com", "correct-horse-9", staff=True)
    first_id = _id(services, STAFF)
    # The second staff member removes the first: allowed, one active staff account is left.
    assert change_user(services, staff_user, first_id, {"is_staff": False})["is_staff"] is False
    # Nobody (not even a caller who is no longer staff, as in a race) removes the last one. The
    # actor is never the target, so the own-account guard cannot be what refuses.
    for actor in (create_user(services, "third@example.com", "correct-horse-9"),
                  _load(services, first_id)):  # the staff member just demoted, acting on a stale login
        for attempt in (lambda: change_user(services, actor, staff_user.id, {"is_active": False}),
                        lambda: change_user(services, actor, staff_user.id, {"is_staff": False}),
                        lambda: delete_user(services, actor, staff_user.id)):
            with pytest.raises(Conflict) as refused:
                attempt()
            assert refused.value.detail == ("This is the last active staff account; "
                                            "grant staff rights to another account first.")
    remaining = _load(services, staff_user.id)
    assert (remaining.is_active, remaining.is_staff) == (True, True)
    with services.db.session() as session:
        assert session.scalars(select(AdminHistory.action)).all() == ["user.change"]  # the first demotion only


def test_two_staff_demoting_each_other_at_once_leave_one_staff(services, staff):
    """Both demotions pass their checks before either writes; the loser must see the winner's write.

    Through the use case, as each Lambda container runs it: the local gateway runs one request per
    function at a time, so two requests through it would never overlap."""
    first, second = _load(services, _id(services, STAFF)), create_user(services, "second@example.com",
                                                                        "correct-horse-9", staff=True)
    racers = {"first-demotes-second": (first, second.id), "second-demotes-first": (second, first.id)}
    # Each transaction is held at its first write until the other gets there too, or 3 s pass: a
    # transaction waiting for the other's row lock never gets there, which is the point.
    at_the_write = threading.Barrier(2, timeout=3)
    outcomes = {}

    def hold(session, flush_context, instances):
        if threading.current_thread().name in racers:
            with contextlib.suppress(threading.BrokenBarrierError):
                at_the_write.wait()

    def demote():
        actor, target = racers[threading.current_thread().name]
        try:
            outcomes[actor.email] = change_user(services, actor, target, {"is_staff": False})["is_staff"]
        except Conflict as refused:
            outcomes[actor.email] = refused.detail

    event.listen(Session, "before_flush", hold)
    try:
        threads = [threading.Thread(target=demote, name=name) for name in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        event.remove(Session, "before_flush", hold)
    assert sorted(map(str, outcomes.values())) == [
        "False", "This is the last active staff account; grant staff rights to another account first."], outcomes
    with services.db.session() as session:
        assert len(session.scalars(select(User.id).where(User.is_staff.is_(True), User.is_active.is_(True))).all()) == 1
        assert session.scalars(select(AdminHistory.action)).all() == ["user.change"]


def test_deleting_a_user_ends_their_session_and_history_keeps_the_actor(services, staff, viewer, make_client):
    second = create_user(services, "second@example.com", "correct-horse-9", staff=True)
    second_client = make_client()
    assert second_client.post("/api/login/", {"email": "second@example.com", "password": "correct-horse-9"}).status == 200
    viewer_id = _id(services, VIEWER)
    assert second_client.request("PATCH", f"/api/admin/users/{viewer_id}/", {"is_staff": True}).status == 200
    answer = staff.delete(f"/api/admin/users/{second.id}/")
    assert answer.status == 200 and answer.json == {"detail": "User deleted."}
    assert second_client.get("/api/admin/users/").status == 401
    assert staff.delete(f"/api/admin/users/{viewer_id}/").status == 200
    assert viewer.get("/api/video/").status == 401
    rows = history(staff)
    assert [(r["actor"], r["action"]) for r in rows] == [
        (STAFF, "user.delete"), (STAFF, "user.delete"), ("second@example.com", "user.change")]
    assert rows[0]["changes"] == {"email": [VIEWER, None]}


def test_activation_email_is_sent_again_to_an_inactive_account_only(services, staff, mailbox, client):
    pending = create_user(services, "pending@example.com", "correct-horse-9", active=False)
    answer = staff.post(f"/api/admin/users/{pending.id}/activation-email/")
    assert answer.status == 202, answer.text
    _, uid, token = mailbox.link_params(mailbox.last_to("pending@example.com"))
    assert client.get(f"/api/activate/{uid}/{token}/").status == 200
    again = staff.post(f"/api/admin/users/{pending.id}/activation-email/")
    assert again.status == 409 and "active" in again.json["detail"]
    assert [r["action"] for r in history(staff)] == ["user.activation_email"]


def test_a_disabled_account_gets_no_activation_email_and_no_link_enables_it(services, staff, viewer, mailbox,
                                                                          client):
    user_id = _id(services, VIEWER)
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_active": False}).status == 200
    answer = staff.post(f"/api/admin/users/{user_id}/activation-email/")
    assert answer.status == 409 and "disabled by staff" in answer.json["detail"]
    assert client.post("/api/password_reset/", {"email": VIEWER}).status == 200
    _, uid, token = mailbox.link_params(mailbox.last_to(VIEWER))
    assert client.post(f"/api/password_confirm/{uid}/{token}/", {"new_password": "brand-new-horse-7",
                                                                 "confirm_password": "brand-new-horse-7"}).status == 200
    with services.db.session() as session:
        assert session.get(User, user_id).is_active is False
