"""An unactivated account is never activated with a password its address owner did not choose.

The story: someone registers the owner's address with a password of their own and never
activates it; the activation email lands in the owner's inbox. Whatever the owner then does
(register, or ask for a password reset), the account ends up active with the owner's
password, and the squatter's password and link are worth nothing.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration
VICTIM = "owner@example.com"
SQUATTER_PASSWORD, OWNER_PASSWORD = "squatters-secret-7", "owners-own-choice-4"
REGISTERED = {"detail": "Registration successful. Please check your email to activate your account.",
              "user": {"email": VICTIM}}


def register(client, password, email=VICTIM):
    return client.post("/api/register/", {"email": email, "password": password, "confirmed_password": password})


def login(make_client, password, email=VICTIM) -> int:
    return make_client().post("/api/login/", {"email": email, "password": password}).status


@pytest.fixture
def squatted(make_client, mailbox):
    """The squatter registered the owner's address; returns the link of the email the owner got."""
    squatter = make_client(source_ip="203.0.113.66")
    assert register(squatter, SQUATTER_PASSWORD).status == 201
    mail = mailbox.last_to(VICTIM)
    assert mail["subject"] == "Confirm your email"
    return mailbox.link_params(mail)


def test_the_owners_registration_replaces_the_squatters_and_only_its_link_activates(
        squatted, make_client, mailbox, client):
    _, squat_uid, squat_token = squatted
    owner = make_client(source_ip="198.51.100.7")
    answer = register(owner, OWNER_PASSWORD)
    # The same answer as any registration: nothing tells the owner (or anyone) the address was pending.
    assert (answer.status, answer.json) == (201, REGISTERED)
    mail = mailbox.last_to(VICTIM)
    assert mail["subject"] == "Confirm your email"
    _, uid, token = mailbox.link_params(mail)
    assert token != squat_token
    # The squatter's link, still in the owner's inbox, activates nothing any more.
    stale = client.get(f"/api/activate/{squat_uid}/{squat_token}/")
    assert (stale.status, stale.json) == (400, {"detail": "The link is invalid or has expired. Request a new one."})
    assert login(make_client, SQUATTER_PASSWORD) == 401
    fresh = client.get(f"/api/activate/{uid}/{token}/")
    assert (fresh.status, fresh.json) == (200, {"message": "Account successfully activated."})
    assert login(make_client, OWNER_PASSWORD) == 200
    assert login(make_client, SQUATTER_PASSWORD) == 401
    # Once active, a registration changes nothing and tells the owner instead (as before).
    assert register(make_client(source_ip="203.0.113.66"), "squatters-second-8").json == REGISTERED
    assert mailbox.last_to(VICTIM)["subject"] == "Your Videoflix account"
    assert login(make_client, OWNER_PASSWORD) == 200
    assert login(make_client, "squatters-second-8") == 401


def test_a_later_registration_invalidates_every_earlier_activation_link(squatted, make_client, mailbox, client):
    links = [squatted]
    for password in (OWNER_PASSWORD, "owners-second-try-5"):
        assert register(make_client(), password).status == 201
        links.append(mailbox.link_params(mailbox.last_to(VICTIM)))
    for _, uid, token in links[:-1]:
        assert client.get(f"/api/activate/{uid}/{token}/").status == 400
    _, uid, token = links[-1]
    assert client.get(f"/api/activate/{uid}/{token}/").status == 200
    assert login(make_client, "owners-second-try-5") == 200
    assert login(make_client, OWNER_PASSWORD) == login(make_client, SQUATTER_PASSWORD) == 401


def test_a_password_reset_on_the_pending_account_lets_the_owner_choose_and_activates(
        squatted, make_client, mailbox, client):
    _, squat_uid, squat_token = squatted
    sent = make_client().post("/api/password_reset/", {"email": VICTIM})
    assert (sent.status, sent.json) == (200, {"detail": "An email has been sent to reset your password."})
    mail = mailbox.last_to(VICTIM)
    assert mail["subject"] == "Reset your Password"
    page, uid, token = mailbox.link_params(mail)
    assert page == "confirm_password.html"
    confirmed = client.post(f"/api/password_confirm/{uid}/{token}/",
                            {"new_password": OWNER_PASSWORD, "confirm_password": OWNER_PASSWORD})
    assert (confirmed.status, confirmed.json) == (200, {"detail": "Your Password has been successfully reset."})
    assert login(make_client, OWNER_PASSWORD) == 200
    assert login(make_client, SQUATTER_PASSWORD) == 401
    # The squatter's activation link died with the password it was sent for.
    assert client.get(f"/api/activate/{squat_uid}/{squat_token}/").status == 400
    assert login(make_client, OWNER_PASSWORD) == 200


def test_the_squatter_cannot_log_in_before_or_after_the_owner_acts(squatted, make_client, mailbox, client):
    assert login(make_client, SQUATTER_PASSWORD) == 401  # inactive: the generic failure, as before
    assert register(make_client(), OWNER_PASSWORD).status == 201
    _, uid, token = mailbox.link_params(mailbox.last_to(VICTIM))
    assert client.get(f"/api/activate/{uid}/{token}/").status == 200
    assert login(make_client, SQUATTER_PASSWORD) == 401
