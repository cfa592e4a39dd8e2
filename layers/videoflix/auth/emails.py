"""Email address normalization and validation."""
from __future__ import annotations

import re
import unicodedata

MAX_EMAIL_LENGTH = 254
# Deliberately strict: ASCII local part and domain, since look-alike (confusable) Unicode
# addresses are an account-takeover vector and real mailboxes rarely need them.
_EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
    r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)


def normalize_email(raw: str) -> str:
    """Trimmed, NFKC-normalized, lower-cased: the form stored and compared."""
    return unicodedata.normalize("NFKC", raw).strip().lower()


def email_problems(email: str) -> list[str]:
    """Messages for an already normalized address; empty when it is acceptable."""
    if len(email) > MAX_EMAIL_LENGTH:
        return [f"Enter a valid email address (at most {MAX_EMAIL_LENGTH} characters)."]
    if not _EMAIL_PATTERN.match(email) or ".." in email:
        return ["Enter a valid email address."]
    return []
