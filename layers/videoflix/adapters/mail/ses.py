"""The SES adapter of the mailer port (videoflix.domain.ports.MailSender): the only code that sends email."""
from __future__ import annotations

from videoflix.adapters.aws import aws_client
from videoflix.domain.email_message import to_mime
from videoflix.settings import Settings


class SesMailSender:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, email) -> str:
        answer = aws_client("ses", self._settings).send_raw_email(
            Source=self._settings.mail_sender, Destinations=list(email.to),
            RawMessage={"Data": to_mime(email, self._settings.mail_sender)},
        )
        return answer["MessageId"]
