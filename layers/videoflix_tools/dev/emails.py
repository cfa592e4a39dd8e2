"""The dev mailbox: emails the embedded SES (moto) or LocalStack's SES has 'sent'."""
from __future__ import annotations

import json
import urllib.request
from typing import Any

from videoflix.settings import Settings
from videoflix_tools.dev.mail_parse import parse_raw_email

MOTO_ACCOUNT = "123456789012"


def moto_sent_emails(region: str) -> list[dict[str, Any]]:
    from moto.ses.models import ses_backends

    backend = ses_backends[MOTO_ACCOUNT][region]
    return [parse_raw_email(m.raw_data, list(m.destinations)) for m in backend.sent_messages
            if hasattr(m, "raw_data")]


def localstack_sent_emails(endpoint_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(endpoint_url.rstrip("/") + "/_aws/ses", timeout=5) as answer:
        messages = json.load(answer).get("messages", [])
    emails = []
    for message in messages:
        raw = message.get("RawData")
        if raw:
            emails.append(parse_raw_email(raw, message.get("Destination", {}).get("ToAddresses")))
    return emails


def sent_emails(settings: Settings, embedded: bool) -> list[dict[str, Any]]:
    """Oldest first."""
    if embedded:
        return moto_sent_emails(settings.aws_region)
    return localstack_sent_emails(settings.aws_endpoint_url)
