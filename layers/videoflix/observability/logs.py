"""JSON log lines: one object per line, with the invocation's request id, the video or user it
concerns, and no secrets.

Each line carries `time`, `level`, `logger`, `message`, `request_id` (the Lambda request id, or
API Gateway's for the APIs) and, where known, `video_id` and `user_id` (context variables the
handlers and use cases set), an exception's text under `error`. Before anything is written,
`redact` masks JSON Web Tokens, presigned query strings, password and token fields and email
addresses (`j***@example.com`), in the message and in the exception text alike.
"""
from __future__ import annotations

import functools
import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, Callable

CONTEXT_FIELDS = ("request_id", "video_id", "user_id")
_context: dict[str, ContextVar[Any]] = {name: ContextVar(f"videoflix_{name}", default=None)
                                        for name in CONTEXT_FIELDS}
REDACTED = "[redacted]"

_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){0,2}")
# A URL whose query is signed (S3 SigV4 or V2, CloudFront): its whole query goes.
_SIGNED_URL = re.compile(r"(https?://[^\s?\"'<>]+)\?[^\s\"'<>]*?(?:X-Amz-Signature|Signature|X-Amz-Credential)="
                         r"[^\s\"'<>]*", re.IGNORECASE)
_SIGNED_PARAMETER = re.compile(r"\b((?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|"
                               r"Key-Pair-Id|Policy)=)[^&\s\"'<>]+", re.IGNORECASE)
# password=..., "token": "...", 'refresh_token': '...', Authorization: Bearer ...
_SECRET_FIELD = re.compile(
    r"""((["']?)[\w-]*(?:password|passwd|token|secret|authorization|cookie)[\w-]*\2\s*[:=]\s*)"""
    r"""(?:"[^"]*"|'[^']*'|(?:Bearer\s+)?[^\s,;&}\]\)]+)""", re.IGNORECASE)
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})\b")
_SECRET_KEY_NAME = re.compile(r"password|passwd|token|secret|authorization|cookie", re.IGNORECASE)


def mask_email(address: str) -> str:
    """`jane@example.com` -> `j***@example.com`: enough to tell accounts apart, not to write to them."""
    return _EMAIL.sub(r"\1***@\2", address)


def redact(text: str) -> str:
    """`text` without tokens, signatures, password or token values and full email addresses."""
    text = _SIGNED_URL.sub(rf"\1?{REDACTED}", text)
    text = _SIGNED_PARAMETER.sub(rf"\1{REDACTED}", text)
    text = _JWT.sub(REDACTED, text)
    text = _SECRET_FIELD.sub(rf"\1{REDACTED}", text)
    return _EMAIL.sub(r"\1***@\2", text)


def redact_value(value: Any, key: str = "") -> Any:
    """A structured value with every string redacted and every secret-named field replaced."""
    if key and _SECRET_KEY_NAME.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


# -- the context of the current invocation --------------------------------------------------
def bind(**values: Any) -> None:
    """Set context fields (request_id, video_id, user_id) for the rest of this invocation."""
    for name, value in values.items():
        _context[name].set(value)


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Set context fields inside the block only (the earlier values come back after it)."""
    tokens = [(_context[name], _context[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def current_context() -> dict[str, Any]:
    return {name: variable.get() for name, variable in _context.items()}


def logged_invocation(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Wrap a Lambda handler: each invocation starts a fresh context carrying its request id."""
    @functools.wraps(handler)
    def run(event: Any, context: Any = None) -> Any:
        with log_context(request_id=getattr(context, "aws_request_id", None), video_id=None, user_id=None):
            return handler(event, context)
    return run


# -- formatting -------------------------------------------------------------------------------
class JsonFormatter(logging.Formatter):
    """One JSON object per record, redacted (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        context = current_context()
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            value = context[name] if value is None else value
            if value is not None or name == "request_id":
                line[name] = value
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update({k: v for k, v in redact_value(fields).items() if k not in line})
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        elif record.exc_text:
            line["error"] = redact(record.exc_text)
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(level: int = logging.INFO) -> None:
    """Root logging as JSON lines: the existing handlers (Lambda's own) get the JSON formatter, or
    one on standard output is added; pytest's capturing handlers are left as they are."""
    root = logging.getLogger()
    root.setLevel(level)
    handlers = [h for h in root.handlers if not type(h).__module__.startswith("_pytest")]
    if not root.handlers:
        handler = logging.StreamHandler(sys.stdout)
        root.addHandler(handler)
        handlers = [handler]
    for handler in handlers:
        if not isinstance(handler.formatter, JsonFormatter):
            handler.setFormatter(JsonFormatter())
