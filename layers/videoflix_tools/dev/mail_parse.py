"""Reading sent emails back (the dev mailbox and tests): raw MIME to a plain dict."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime
from typing import Any


def parse_raw_email(raw: bytes | str, destinations: list[str] | None = None) -> dict[str, Any]:
    data = raw.encode() if isinstance(raw, str) else raw
    message = message_from_bytes(data, policy=policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    sent_at = message["Date"]
    recipients = destinations or [a.strip() for a in str(message["To"] or "").split(",") if a.strip()]
    return {
        "to": list(dict.fromkeys(recipients)),
        "subject": str(message["Subject"] or ""),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "sent_at": parsedate_to_datetime(sent_at).isoformat() if sent_at else None,
    }
