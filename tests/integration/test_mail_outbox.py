"""The transactional mail outbox: written with the change, relayed after commit, sent once per key."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import OutboxMail, User, utcnow
from videoflix.pipeline.sweeper import Sweeper

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-9"


def register(client, email="new@example.com"):
    return client.post("/api/register/", {"email": email, "password": PASSWORD, "confirmed_password": PASSWORD})


def count(services, model) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def outbox_rows(services) -> list[OutboxMail]:
    with services.db.session() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def mail_queue_bodies(services) -> list[str]:
    """The mail queue's messages, read without hiding them."""
    settings = services.settings
    answer = aws_client("sqs", settings).receive_message(
        QueueUrl=queue_url(settings, settings.mail_queue_name), MaxNumberOfMessages=10, VisibilityTimeout=0)
    return [m["Body"] for m in answer.get("Messages", [])]


def send_to_mail_queue(services, body: str) -> None:
    settings = services.settings
    aws_client("sqs", settings).send_message(QueueUrl=queue_url(settings, settings.mail_queue_name), MessageBody=body)


@pytest.fixture
def failing_commits():
    """Every commit fails as when the database connection drops at COMMIT."""
    def refuse(session):
        raise OperationalError("COMMIT", None, ConnectionError("server closed the connection unexpectedly"))

    def stop() -> None:
        if event.contains(Session, "before_commit", refuse):
            event.remove(Session, "before_commit", refuse)

    event.listen(Session, "before_commit", refuse)
    yield stop
    stop()


def test_a_failed_commit_sends_no_mail(services, client, mailbox, failing_commits):
    answer = register(client)
    assert answer.status == 503 and "detail" in answer.json
    failing_commits()
    assert mailbox.deliver() == []  # no link to an account that does not exist
    assert count(services, User) == 0 and count(services, OutboxMail) == 0


def test_the_same_job_delivered_twice_sends_one_email(services, client, mailbox):
    assert register(client).status == 201
    [body] = mail_queue_bodies(services)
    assert json.loads(body)["key"]
    send_to_mail_queue(services, body)  # SQS delivers at least once: here twice at the same time
    assert [m["to"] for m in mailbox.deliver()] == [["new@example.com"]]
    send_to_mail_queue(services, body)  # and once more, later
    assert len(mailbox.deliver()) == 1


def test_the_relay_sends_after_commit_and_marks_the_row_sent_without_its_link(services, client):
    assert register(client).status == 201
    [row] = outbox_rows(services)
    [body] = [json.loads(b) for b in mail_queue_bodies(services)]
    assert body["key"] == row.idempotency_key and body["template"] == row.template == "activation"
    assert "activate.html?uid=" in body["context"]["link"]
    # Once on the queue the row is only the idempotency record: the one-use link is not kept.
    assert row.sent_at is not None and row.context == {} and row.delivered_at is None


def test_an_answer_lost_after_sqs_accepted_gives_two_messages_and_one_email(services, client, mailbox,
                                                                          monkeypatch):
    from videoflix.adapters.mail.outbox import SqsMailOutbox, mail_message

    # The request's relay cannot reach SQS: the registration stands, its mail waits in the outbox.
    monkeypatch.setattr(services, "outbox",
                        SqsMailOutbox(services.settings.with_overrides(aws_endpoint_url="http://127.0.0.1:1")))
    assert register(client).status == 201
    monkeypatch.undo()
    [row] = outbox_rows(services)
    assert row.sent_at is None and row.context["to"] == "new@example.com"
    # ...but SQS had accepted the message and only its answer was lost.
    send_to_mail_queue(services, mail_message(row.idempotency_key, row.template, row.context))
    assert Sweeper(services).run(now=utcnow()).as_dict()["mail"] == {"resent": 0, "pruned": 0}  # too young
    assert Sweeper(services).run(now=utcnow() + timedelta(minutes=2)).as_dict()["mail"] == {"resent": 1,
                                                                                       "pruned": 0}
    assert len(mail_queue_bodies(services)) == 2
    emails = mailbox.deliver()
    assert [m["to"] for m in emails] == [["new@example.com"]]
    [row] = outbox_rows(services)
    assert row.sent_at is not None and row.delivered_at is not None
    # Delivered rows are never sent again.
    assert Sweeper(services).run(now=utcnow() + timedelta(minutes=5)).as_dict()["mail"]["resent"] == 0


def test_the_sweeper_prunes_rows_sent_over_a_week_ago(services):
    keys = []
    for n in range(3):
        with services.db.session() as session:
            keys.append(services.outbox.enqueue(session, "activation", {"to": f"u{n}@example.com",
                                                                        "link": "http://x/activate"}))
    now = utcnow()
    with services.db.session() as session:
        session.execute(update(OutboxMail).where(OutboxMail.idempotency_key == keys[0])
                        .values(sent_at=now - timedelta(days=8)))
        session.execute(update(OutboxMail).where(OutboxMail.idempotency_key == keys[1])
                        .values(sent_at=now - timedelta(days=6)))
    assert Sweeper(services).run(now=now).as_dict()["mail"] == {"resent": 0, "pruned": 1}
    assert [r.idempotency_key for r in outbox_rows(services)] == keys[1:]


def test_a_claimed_key_is_busy_until_released_delivered_or_expired(services):
    from videoflix.adapters.mail.outbox import CLAIM_HOLD, SqlMailLedger
    from videoflix.adapters.mail.outbox import BUSY, DONE, SEND, UNKNOWN

    with services.db.session() as session:
        key = services.outbox.enqueue(session, "activation", {"to": "a@example.com", "link": "http://x/a"})
    first, second = SqlMailLedger(services.db), SqlMailLedger(services.db)
    now = utcnow()
    assert first.claim(key, now) == SEND
    assert second.claim(key, now) == BUSY  # a concurrent delivery of the same job waits
    assert second.claim(key, now + CLAIM_HOLD + timedelta(seconds=1)) == SEND  # the first sender died
    second.release(key)
    assert first.claim(key, now) == SEND
    first.delivered(key)
    assert second.claim(key, now + timedelta(hours=1)) == DONE
    assert second.claim("no-such-key", now) == UNKNOWN
