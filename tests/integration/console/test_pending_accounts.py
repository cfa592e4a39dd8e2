"""Accounts whose address nobody confirmed: staff can neither activate nor promote them (issue 21, item 3).

A registration only proves that someone typed an address. Until a link sent to that address is
used (activation, or a password reset), staff enabling the account or granting it staff rights
would hand the address to whoever registered it, with the password they chose: 409, resend the
activation email instead. Disabling such an account kills every link it has out.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.console.conftest import history
from videoflix.db.models import User

pytestmark = pytest.mark.integration

OWNER = "owner@example.com"
SQUATTER_PASSWORD = "squatter-horse-9"


def _register(client, email: str = OWNER, password: str = SQUATTER_PASSWORD) -> int:
    answer = client.post("/api/register/", {"email": email, "password": password, "confirmed_password": password})
    assert answer.status == 201, answer.text
    return _row(client.services, email).id


def _row(services, email: str) -> User:
    with services.db.session() as session:
        return session.scalars(select(User).where(User.email == email)).one()


def _listed(staff, email: str) -> dict:
    [user] = staff.get(f"/api/admin/users/?q={email}").json["items"]
    return user


@pytest.fixture
def registered(client, services):
    client.services = services
    return _register(client)


def test_staff_cannot_activate_or_promote_an_address_nobody_confirmed(services, staff, registered, client,
                                                                      mailbox):
    for body in ({"is_active": True}, {"is_staff": True}, {"is_active": True, "is_staff": True}):
        answer = staff.request("PATCH", f"/api/admin/users/{registered}/", body)
        assert answer.status == 409, (body, answer.text)
        assert "never confirmed" in answer.json["detail"] and "activation email" in answer.json["detail"]
    row = _row(services, OWNER)
    assert (row.is_active, row.is_staff) == (False, False)
    assert client.post("/api/login/", {"email": OWNER, "password": SQUATTER_PASSWORD}).status == 401
    assert history(staff) == []
    listed = _listed(staff, OWNER)
    assert (listed["status"], listed["email_verified"], listed["is_active"]) == ("pending_confirmation", False, False)

    # The way the console offers: a fresh link to the address; once its owner uses it, staff may promote.
    assert staff.post(f"/api/admin/users/{registered}/activation-email/").status == 202
    _, uid, token = mailbox.link_params(mailbox.last_to(OWNER))
    assert client.get(f"/api/activate/{uid}/{token}/").status == 200
    assert (_listed(staff, OWNER)["status"], _listed(staff, OWNER)["email_verified"]) == ("active", True)
    assert staff.request("PATCH", f"/api/admin/users/{registered}/", {"is_staff": True}).json["is_staff"] is True


def test_disabling_a_pending_account_kills_its_links_and_the_registrants_password(services, staff, registered,
                                                                                 client, mailbox):
    _, uid, token = mailbox.link_params(mailbox.last_to(OWNER))
    assert client.post("/api/password_reset/", {"email": OWNER}).status == 200
    _, reset_uid, reset_token = mailbox.link_params(mailbox.last_to(OWNER))

    answer = staff.request("PATCH", f"/api/admin/users/{registered}/", {"is_active": False})
    assert answer.status == 200, answer.text
    assert (answer.json["is_active"], answer.json["status"], answer.json["email_verified"]) == (False, "disabled",
                                                                                               False)
    assert [(r["action"], r["changes"]) for r in history(staff)] == [
        ("user.change", {"status": ["pending_confirmation", "disabled"]})]
    # Every link sent out before is dead: the activation link and the reset link.
    assert client.get(f"/api/activate/{uid}/{token}/").status == 400
    assert client.post(f"/api/password_confirm/{reset_uid}/{reset_token}/", {
        "new_password": "brand-new-horse-7", "confirm_password": "brand-new-horse-7"}).status == 400
    assert _row(services, OWNER).is_active is False
    # Still not confirmed: enabling it is refused like any pending account.
    refused = staff.request("PATCH", f"/api/admin/users/{registered}/", {"is_active": True})
    assert refused.status == 409 and "activation email" in refused.json["detail"]

    # Staff send a fresh link: the account is pending again, the old link stays dead, and the
    # registrant's password is gone (its owner chooses one by registering again or a reset).
    assert staff.post(f"/api/admin/users/{registered}/activation-email/").status == 202
    assert _listed(staff, OWNER)["status"] == "pending_confirmation"
    assert client.get(f"/api/activate/{uid}/{token}/").status == 400
    _, new_uid, new_token = mailbox.link_params(mailbox.last_to(OWNER))
    assert client.get(f"/api/activate/{new_uid}/{new_token}/").status == 200
    assert client.post("/api/login/", {"email": OWNER, "password": SQUATTER_PASSWORD}).status == 401


def test_a_password_reset_confirms_the_address_of_an_account_disabled_while_pending(services, staff, registered,
                                                                                   client, mailbox):
    assert staff.request("PATCH", f"/api/admin/users/{registered}/", {"is_active": False}).status == 200
    assert client.post("/api/password_reset/", {"email": OWNER}).status == 200
    _, uid, token = mailbox.link_params(mailbox.last_to(OWNER))
    assert client.post(f"/api/password_confirm/{uid}/{token}/", {
        "new_password": "owners-own-horse-7", "confirm_password": "owners-own-horse-7"}).status == 200
    listed = _listed(staff, OWNER)
    assert (listed["status"], listed["email_verified"]) == ("disabled", True)  # staff's decision stands
    assert staff.request("PATCH", f"/api/admin/users/{registered}/", {"is_active": True}).status == 200
    assert client.post("/api/login/", {"email": OWNER, "password": "owners-own-horse-7"}).status == 200


def test_accounts_confirmed_or_made_by_an_operator_are_enabled_and_promoted_as_before(services, staff, viewer):
    listed = _listed(staff, "viewer@example.com")
    assert (listed["status"], listed["email_verified"]) == ("active", True)
    user_id = listed["id"]
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_active": False}).json["status"] == "disabled"
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_active": True}).json["status"] == "active"
    assert staff.request("PATCH", f"/api/admin/users/{user_id}/", {"is_staff": True}).json["is_staff"] is True
