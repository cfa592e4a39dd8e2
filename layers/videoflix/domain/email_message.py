"""One email as rendered (videoflix.domain.mail) and sent (the MailSender port), and its MIME form:
its own module, so the ports and the SES adapter name it without loading the renderer."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str


def to_mime(email: Email, sender: str) -> bytes:
    """The raw MIME message (text and HTML alternatives) that SES sends."""
    # The standard library's email package costs a cold start ~15 ms: only a sending mailer loads it.
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    message = EmailMessage()
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="videoflix")
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()
