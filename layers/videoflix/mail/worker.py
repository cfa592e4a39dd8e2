"""The mailer function's work: render each queued job and send it."""
from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from videoflix.mail.render import Email, render_mail_job
from videoflix.sqs_batch import process_sqs_batch

log = logging.getLogger("videoflix.mailer")


class MailSender(Protocol):
    def send(self, email: Email) -> str: ...


def send_mail_batch(event: dict[str, Any], sender: MailSender) -> dict:
    def send_one(record: dict[str, Any]) -> None:
        # A malformed job raises like any failure: after the retries it rests in the
        # dead-letter queue, where someone can look at it, instead of vanishing.
        email = render_mail_job(json.loads(record["body"]))
        message_id = sender.send(email)
        log.info("sent %r to %s as %s", email.subject, email.to, message_id)

    return process_sqs_batch(event, send_one)
