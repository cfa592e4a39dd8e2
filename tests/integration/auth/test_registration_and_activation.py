"""Register -> activation email through the mail queue and SES -> activate, and its edges."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from videoflix.auth.account_tokens import encode_uid, make_account_token
from videoflix.db.models import User, utcnow

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-9"


def register(client, email="new@example.com", password=PASSWORD, confirmed=None, **extra):
    return client.post("/api/register/", {"email": email, "password": password,
                                          "confirmed_password": confirmed or password, **extra})


def user_count(services) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(User))


def test_register_normalizes_email_and_sends_activation_email(client, mailbox, services):
    answer = register(client, email="  New.User@Example.COM ", privacy_policy="on")
    assert answer.status == 201
    assert answer.json["user"] == {"email": "new.user@example.com"}
    assert "check your email" in answer.json["detail"].lower()
    # Nothing is sent inside the request: the job waits on the mail queue.
    assert mailbox.emails() == []
    mail = mailbox.last_to("new.user@example.com")
    assert mail["subject"] == "Confirm your email"
    page, uid, token = mailbox.link_params(mail)
    assert page == "activate.html"
    assert mail["text"].count("http://127.0.0.1:5500/pages/auth/activate.html?uid=") == 1
    assert f"uid={uid}&amp;token={token}" in mail["html"]
    with services.db.session() as session:
        user = session.scalars(select(User)).one()
        assert (user.email, user.is_active, user.is_staff) == ("new.user@example.com", False, False)
        assert user.password_hash.startswith("$2b$04$")


def test_sender_is_taken_from_settings(client, services):
    register(client)
    from videoflix.adapters.aws import aws_client

    # moto records the verified sender; a wrong Source would be refused by SES itself.
    identities = aws_client("ses", services.settings).list_identities()["Identities"]
    assert services.settings.mail_sender in identities


def test_activation_link_works_once(client, mailbox):
    register(client)
    _, uid, token = mailbox.link_params(mailbox.last_to("new@example.com"))
    first = client.get(f"/api/activate/{uid}/{token}/")
    assert (first.status, first.json) == (200, {"message": "Account successfully activated."})
    again = client.get(f"/api/activate/{uid}/{token}")
    assert again.status == 400 and "invalid or has expired" in again.json["detail"]


def test_activation_link_expires(client, mailbox, services):
    register(client)
    with services.db.session() as session:
        user = session.scalars(select(User)).one()
        stale = make_account_token(user, "activation", services.settings.secret_key,
                                   now=1_000_000)  # long before max age
    answer = client.get(f"/api/activate/{encode_uid(user.id)}/{stale}/")
    assert answer.status == 400 and answer.json == {"detail": "The link is invalid or has expired. "
                                                              "Request a new one."}


@pytest.mark.parametrize("uid,token", [
    ("MQ", "bogus-token"), ("!!!", "abc-def"), ("OTk5OTk", "x-y"), ("LTE", "a-b"), ("", "a-b"),
])
def test_bad_activation_links_answer_400_json(client, mailbox, uid, token):
    register(client)
    answer = client.get(f"/api/activate/{uid}/{token}/")
    assert answer.status in (400, 404)
    assert "detail" in answer.json


def test_reset_token_cannot_activate(client, mailbox, services):
    register(client)
    with services.db.session() as session:
        user = session.scalars(select(User)).one()
        reset = make_account_token(user, "password_reset", services.settings.secret_key)
    assert client.get(f"/api/activate/{encode_uid(user.id)}/{reset}/").status == 400


def test_existing_email_answers_like_new_and_notifies_owner(client, mailbox, register_user):
    register_user("taken@example.com")
    new = register(client, email="fresh@example.com")
    taken = register(client, email="TAKEN@example.com", password="another-pass-1")
    assert (taken.status, taken.json) == (new.status, {**new.json, "user": {"email": "taken@example.com"}})
    notice = mailbox.last_to("taken@example.com")
    assert notice["subject"] == "Your Videoflix account"
    assert "already exists" in notice["text"]
    assert "token=" not in notice["text"]


def test_existing_email_registration_does_not_change_the_account(client, mailbox, register_user, make_client):
    register_user("taken@example.com", PASSWORD)
    register(client, email="taken@example.com", password="attacker-pass-1")
    other = make_client()
    assert other.post("/api/login/", {"email": "taken@example.com", "password": PASSWORD}).status == 200
    assert make_client().post("/api/login/", {"email": "taken@example.com",
                                              "password": "attacker-pass-1"}).status == 401


@pytest.mark.parametrize("body,field", [
    ({"email": "not-an-email", "password": PASSWORD, "confirmed_password": PASSWORD}, "email"),
    ({"email": "a@example.com", "password": "short7!", "confirmed_password": "short7!"}, "password"),
    ({"email": "a@example.com", "password": "x" * 73, "confirmed_password": "x" * 73}, "password"),
    ({"email": "a@example.com", "password": "ü" * 37, "confirmed_password": "ü" * 37}, "password"),
    ({"email": "a@example.com", "password": "a@example.com", "confirmed_password": "a@example.com"},
     "password"),
    ({"email": "a@example.com", "password": PASSWORD, "confirmed_password": "different-1"},
     "confirmed_password"),
    ({"email": "a@example.com", "password": PASSWORD}, "confirmed_password"),
    ({"password": PASSWORD, "confirmed_password": PASSWORD}, "email"),
    ({"email": 5, "password": PASSWORD, "confirmed_password": PASSWORD}, "email"),
    ({"email": "a@example.com", "password": ["x"], "confirmed_password": PASSWORD}, "password"),
])
def test_invalid_registrations_answer_field_errors_and_create_nothing(client, mailbox, services, body, field):
    answer = client.post("/api/register/", body)
    assert answer.status == 400
    assert isinstance(answer.json[field], list) and all(isinstance(m, str) for m in answer.json[field])
    assert user_count(services) == 0
    assert mailbox.deliver() == []


@pytest.mark.parametrize("password,message", [
    ("12345678", "This password is too common."),
    ("password", "This password is too common."),
    ("qwertyuiop", "This password is too common."),
    ("new-example", "The password is too similar to the email address."),
    ("NewExample1", "The password is too similar to the email address."),
])
def test_common_and_address_like_passwords_are_field_errors(client, mailbox, services, password, message):
    answer = register(client, password=password)
    assert (answer.status, answer.json) == (400, {"password": [message]})
    assert user_count(services) == 0
    assert mailbox.deliver() == []


def test_a_72_byte_password_is_accepted(client, mailbox):
    assert register(client, password="p" * 72).status == 201


def test_queue_outage_still_registers_and_the_sweeper_sends_the_mail(client, services, mailbox, monkeypatch):
    # The mail job is committed with the account (transactional outbox, videoflix.adapters.mail.outbox), so an
    # unreachable mail queue no longer fails the registration (it answered 503 before).
    from videoflix.adapters.mail.outbox import SqsMailOutbox
    from videoflix.pipeline.sweeper import Sweeper

    down = services.settings.with_overrides(aws_endpoint_url="http://127.0.0.1:1")
    monkeypatch.setattr(services, "outbox", SqsMailOutbox(down))
    answer = register(client)
    assert answer.status == 201
    assert user_count(services) == 1
    assert mailbox.deliver() == []
    monkeypatch.undo()
    # The queue is back: the scheduled sweeper sends what is still unsent after a minute.
    Sweeper(services).run(now=utcnow() + timedelta(minutes=2))
    _, uid, token = mailbox.link_params(mailbox.last_to("new@example.com"))
    assert client.get(f"/api/activate/{uid}/{token}/").status == 200
    assert len(mailbox.deliver()) == 1
