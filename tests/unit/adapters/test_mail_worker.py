"""The mailer's idempotency: one email per job key, whatever SQS delivers."""
from __future__ import annotations

import json

from videoflix.adapters.mail.outbox import BUSY, DONE, SEND, UNKNOWN
from videoflix.adapters.mail.worker import send_mail_batch

LINK = "http://127.0.0.1:5500/pages/auth/activate.html?uid=MQ&token=abc-def"


class MemoryLedger:
    """The delivery ledger's rules over a dict: key -> "claimed" | "delivered"."""

    def __init__(self, *keys: str) -> None:
        self.state = {key: None for key in keys}

    def claim(self, key, now=None):
        if key not in self.state:
            return UNKNOWN
        if self.state[key] == "delivered":
            return DONE
        if self.state[key] == "claimed":
            return BUSY
        self.state[key] = "claimed"
        return SEND

    def release(self, key):
        self.state[key] = None

    def delivered(self, key):
        self.state[key] = "delivered"


class Sender:
    def __init__(self, fail: bool = False) -> None:
        self.sent, self.fail = [], fail

    def send(self, email):
        if self.fail:
            raise ConnectionError("SES endpoint unreachable")
        self.sent.append(email.to)
        return f"m{len(self.sent)}"


def event(*bodies: dict | str) -> dict:
    return {"Records": [{"messageId": str(n), "body": b if isinstance(b, str) else json.dumps(b)}
                        for n, b in enumerate(bodies)]}


def job(key: str | None, to: str = "a@example.com") -> dict:
    body = {"template": "activation", "context": {"to": to, "link": LINK}}
    return body if key is None else {**body, "key": key}


def test_one_key_twice_in_a_batch_and_again_later_sends_one_email():
    ledger, sender = MemoryLedger("k1"), Sender()
    assert send_mail_batch(event(job("k1"), job("k1")), sender, ledger) == {"batchItemFailures": []}
    assert send_mail_batch(event(job("k1")), sender, ledger) == {"batchItemFailures": []}
    assert sender.sent == [("a@example.com",)]


def test_a_key_being_sent_elsewhere_is_retried_later_not_sent_now():
    ledger, sender = MemoryLedger("k1"), Sender()
    ledger.claim("k1")
    assert send_mail_batch(event(job("k1")), sender, ledger) == {"batchItemFailures": [{"itemIdentifier": "0"}]}
    assert sender.sent == []


def test_ses_failing_releases_the_claim_so_the_retry_sends():
    ledger = MemoryLedger("k1")
    assert send_mail_batch(event(job("k1")), Sender(fail=True), ledger) == \
        {"batchItemFailures": [{"itemIdentifier": "0"}]}
    assert ledger.state["k1"] is None
    sender = Sender()
    send_mail_batch(event(job("k1")), sender, ledger)
    assert sender.sent == [("a@example.com",)] and ledger.state["k1"] == "delivered"


def test_an_unknown_key_is_not_sent_and_a_job_without_key_is():
    # A key without its outbox row was pruned a week after it was sent: far too late to mail.
    sender = Sender()
    result = send_mail_batch(event(job("gone"), job(None, "b@example.com")), sender, MemoryLedger())
    assert result == {"batchItemFailures": []}
    assert sender.sent == [("b@example.com",)]


def test_a_broken_job_fails_before_claiming_its_key():
    ledger = MemoryLedger("k1")
    broken = {"template": "activation", "context": {}, "key": "k1"}
    assert send_mail_batch(event(broken), Sender(), ledger) == {"batchItemFailures": [{"itemIdentifier": "0"}]}
    assert ledger.state["k1"] is None
