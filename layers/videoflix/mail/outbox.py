"""The mail outbox: handlers enqueue jobs on the mail queue instead of sending inside a request."""
from __future__ import annotations

import json
from typing import Any, Protocol

from videoflix.settings import Settings


class MailOutbox(Protocol):
    def enqueue(self, template: str, context: dict[str, Any]) -> None: ...


class SqsMailOutbox:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def enqueue(self, template: str, context: dict[str, Any]) -> None:
        from videoflix.aws import aws_client, queue_url
        from videoflix.errors import ServiceUnavailable

        try:
            aws_client("sqs", self._settings).send_message(
                QueueUrl=queue_url(self._settings, self._settings.mail_queue_name),
                MessageBody=json.dumps({"template": template, "context": context}),
            )
        except Exception as exc:  # botocore raises many types; all mean "queue unreachable"
            raise ServiceUnavailable("Email could not be queued. Try again shortly.") from exc


class SesMailSender:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, email) -> str:
        from videoflix.aws import aws_client
        from videoflix.mail.render import to_mime

        answer = aws_client("ses", self._settings).send_raw_email(
            Source=self._settings.mail_sender, Destinations=list(email.to),
            RawMessage={"Data": to_mime(email, self._settings.mail_sender)},
        )
        return answer["MessageId"]
