"""The mailer function's work: render each queued job and send it, once per idempotency key.

The outbox delivers a job at least once (videoflix.adapters.mail.outbox): the request's relay and the
sweeper may both send it, and SQS itself may deliver a message twice. A job's `key` is claimed
in the delivery ledger for a short while before SES is called and marked delivered once SES
accepted the email; a key already delivered is acknowledged without sending, one claimed by a
concurrent delivery comes back later. Jobs without a key (queued before the outbox) are sent.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional, Protocol

from videoflix.adapters.mail.outbox import BUSY, SEND
from videoflix.adapters.sqs_batch import process_sqs_batch
from videoflix.domain.mail import Email, render_mail_job
from videoflix.domain.ports import MailSender
from videoflix.observability import metrics
from videoflix.observability.logs import mask_email

log = logging.getLogger("videoflix.mailer")

# What a claim of a key answers.


class DeliveryLedger(Protocol):
    def claim(self, key: str) -> str: ...
    def release(self, key: str) -> None: ...
    def delivered(self, key: str) -> None: ...


class MailBusy(RuntimeError):
    """Another delivery of the same job is sending it; this one comes back after the visibility timeout."""


# A queued job to the job to send, or None to drop it (a reset request for no account:
# videoflix.auth.service.prepare_mail_job).
PrepareJob = Callable[[dict[str, Any]], Optional[dict[str, Any]]]


def send_mail_batch(event: dict[str, Any], sender: MailSender, ledger: DeliveryLedger | None = None, *,
                    prepare: PrepareJob | None = None) -> dict:
    def send_one(record: dict[str, Any]) -> None:
        # A malformed job raises like any failure: after the retries it rests in the
        # dead-letter queue, where someone can look at it, instead of vanishing.
        job = json.loads(record["body"])
        if prepare is not None:
            job = prepare(job)
            if job is None:
                log.info("mail %s dropped: nothing to send", record.get("messageId"))
                return
        email = render_mail_job(job)
        if job.get("key") is None or ledger is None:
            _send(email)
            return
        key = str(job["key"])
        state = ledger.claim(key)
        if state == BUSY:
            raise MailBusy(f"mail {key} is being sent by another delivery")
        if state != SEND:
            log.info("mail %s not sent again (%s)", key, state)
            return
        try:
            _send(email)
        except BaseException:
            _quietly(ledger.release, key)
            raise
        # SES accepted it: should the mark fail, the message is still acknowledged (the row is
        # marked sent, so only a duplicate delivery after the claim expired could send again).
        _quietly(ledger.delivered, key)

    def _send(email: Email) -> None:
        try:
            message_id = sender.send(email)
        except Exception:
            metrics.emit(metrics.MAIL_FAILED, 1)
            raise
        metrics.emit(metrics.MAIL_SENT, 1)
        # Never the whole address in a log: j***@example.com tells accounts apart.
        log.info("sent %r to %s as %s", email.subject, mask_email(str(email.to)), message_id)

    return process_sqs_batch(event, send_one)


def _quietly(action, key: str) -> None:
    try:
        action(key)
    except Exception:
        log.exception("mail %s: %s failed", key, getattr(action, "__name__", action))
