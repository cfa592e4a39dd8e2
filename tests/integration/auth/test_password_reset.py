"""Password reset through the emailed link: single use, expiry, revocation of older tokens."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from videoflix.auth.account_tokens import encode_uid, make_account_token
from videoflix.db.models import User

pytestmark = pytest.mark.integration
OLD, NEW = "correct-horse-9", "brand-new-pass-2"
SENT = {"detail": "An email has been sent to reset your password."}


def reset_link(client, mailbox, email="viewer@example.com"):
    assert client.post("/api/password_reset/", {"email": email}).json == SENT
    page, uid, token = mailbox.link_params(mailbox.last_to(email))
    assert page == "confirm_password.html"
    return uid, token


def confirm(client, uid, token, password=NEW, confirmation=None):
    return client.post(f"/api/password_confirm/{uid}/{token}/",
                       {"new_password": password, "confirm_password": confirmation or password})


def test_reset_flow_through_the_email(logged_in_client, make_client, client, mailbox):
    session = logged_in_client()
    uid, token = reset_link(client, mailbox)
    mail = mailbox.last_to("viewer@example.com")
    assert mail["subject"] == "Reset your Password"
    assert "http://127.0.0.1:5500/pages/auth/confirm_password.html?uid=" in mail["text"]
    assert mail["html"].startswith("<!doctype html>")
    answer = confirm(client, uid, token)
    assert (answer.status, answer.json) == (200, {"detail": "Your Password has been successfully reset."})
    cleared = answer.set_cookies()
    # Named first: all() over no cookies at all would pass too.
    assert set(cleared) == {"access_token", "refresh_token", "csrftoken"}
    assert all("Max-Age=0" in v for v in cleared.values())
    assert make_client().post("/api/login/", {"email": "viewer@example.com", "password": OLD}).status == 401
    assert make_client().post("/api/login/", {"email": "viewer@example.com", "password": NEW}).status == 200
    # Every token issued before the reset stops working: refresh and access alike.
    assert session.post("/api/token/refresh/").status == 401
    assert session.get("/api/video/").status == 401


def test_reset_link_works_once(register_user, client, mailbox):
    register_user()
    uid, token = reset_link(client, mailbox)
    assert confirm(client, uid, token).status == 200
    again = confirm(client, uid, token, password="third-pass-33")
    assert again.status == 400 and "invalid or has expired" in again.json["detail"]


def test_reset_link_expires(register_user, client, services):
    register_user()
    with services.db.session() as session:
        user = session.scalars(select(User)).one()
        stale = make_account_token(user, "password_reset", services.settings.secret_key,
                                   now=1_000_000)
    assert confirm(client, encode_uid(user.id), stale).status == 400


def test_unknown_and_known_addresses_get_the_same_answer(register_user, client, mailbox):
    register_user()
    known = client.post("/api/password_reset/", {"email": "viewer@example.com"})
    unknown = client.post("/api/password_reset/", {"email": "ghost@example.com"})
    assert (known.status, known.json) == (unknown.status, unknown.json) == (200, SENT)
    recipients = [m["to"] for m in mailbox.deliver()]
    assert ["ghost@example.com"] not in recipients


def test_an_unactivated_account_gets_a_reset_email_and_the_reset_activates_it(client, mailbox, make_client):
    # The link proves the address, and its owner chooses the password: see test_address_squatting.py.
    client.post("/api/register/", {"email": "idle@example.com", "password": OLD, "confirmed_password": OLD})
    uid, token = reset_link(client, mailbox, email="idle@example.com")
    assert confirm(client, uid, token).status == 200
    assert make_client().post("/api/login/", {"email": "idle@example.com", "password": NEW}).status == 200
    assert make_client().post("/api/login/", {"email": "idle@example.com", "password": OLD}).status == 401


def test_reset_jobs_for_unknown_addresses_are_dropped_by_the_mailer(client, mailbox, services, mail_binding):
    from videoflix.adapters.aws import aws_client

    assert client.post("/api/password_reset/", {"email": "ghost@example.com"}).json == SENT
    assert mailbox.deliver() == []
    # Dropped, not failed: nothing waits for a retry or rests in the dead-letter queue.
    sqs = aws_client("sqs", services.settings)
    for name in (services.settings.mail_queue_name, f"{services.settings.mail_queue_name}-dlq"):
        attributes = sqs.get_queue_attributes(
            QueueUrl=sqs.get_queue_url(QueueName=name)["QueueUrl"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        assert attributes == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


@pytest.mark.parametrize("password", ["password", "12345678", "qwertyuiop", "Password1"])
def test_common_new_passwords_are_refused_like_any_bad_password(register_user, client, mailbox, password):
    register_user()
    uid, token = reset_link(client, mailbox)
    answer = confirm(client, uid, token, password)
    assert (answer.status, answer.json) == (400, {"new_password": ["This password is too common."]})
    assert confirm(client, uid, token).status == 200  # the link was not used up


def test_reset_email_is_matched_case_insensitively(register_user, client, mailbox):
    register_user()
    uid, token = reset_link(client, mailbox, email="viewer@example.com")
    client.post("/api/password_reset/", {"email": " VIEWER@Example.com "})
    assert len([m for m in mailbox.deliver() if m["subject"] == "Reset your Password"]) == 2


@pytest.mark.parametrize("password,confirmation,field", [
    ("short", "short", "new_password"),
    ("y" * 73, "y" * 73, "new_password"),
    ("viewer@example.com", "viewer@example.com", "new_password"),
    (NEW, "something-else-1", "confirm_password"),
])
def test_invalid_new_passwords_keep_the_old_one_and_the_link(register_user, client, mailbox, make_client,
                                                             password, confirmation, field):
    register_user()
    uid, token = reset_link(client, mailbox)
    answer = confirm(client, uid, token, password, confirmation)
    assert answer.status == 400 and field in answer.json
    assert make_client().post("/api/login/", {"email": "viewer@example.com", "password": OLD}).status == 200
    assert confirm(client, uid, token).status == 200  # the link was not used up


def test_bad_link_is_400_before_the_body_is_judged(client):
    answer = confirm(client, "MQ", "1-deadbeef")
    assert answer.status == 400 and "detail" in answer.json


def test_invalid_email_on_reset_is_a_field_error(client):
    answer = client.post("/api/password_reset/", {"email": "nope"})
    assert answer.status == 400 and "email" in answer.json


def test_a_malformed_reset_request_job_fails_instead_of_vanishing(services, mailbox):
    from videoflix_tools.functions import load_handler

    handler = load_handler("mailer")
    broken = {"Records": [{"messageId": "m1", "body": '{"template": "password_reset_requested", "context": {}}'}]}
    assert handler(broken, None) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert mailbox.emails() == []
