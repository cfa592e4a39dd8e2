"""Reading request bodies and fields into plain values, raising domain errors."""
from __future__ import annotations

import json
from typing import Any

from videoflix.errors import FieldErrors, InvalidInput, PayloadTooLarge


def parse_json_object(raw: bytes | str | None, *, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object; size is checked before any parsing."""
    if raw is None or raw == b"" or raw == "":
        return {}
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    try:
        value = json.loads(data)
        # Lone surrogates (`"\ud800"`) parse, but are no text: encoding them fails later, deep
        # inside bcrypt or the database driver. Refuse them here (RFC 7493, I-JSON).
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError):
        raise InvalidInput("The request body must be valid JSON.") from None
    except RecursionError:  # nesting deeper than the parser goes
        raise InvalidInput("The request body is nested too deeply.") from None
    if not isinstance(value, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return value


def require_strings(body: dict[str, Any], *names: str) -> dict[str, str]:
    """Each named field as a string; missing, blank or non-string fields become field errors."""
    values: dict[str, str] = {}
    problems: dict[str, list[str]] = {}
    for name in names:
        value = body.get(name)
        if value is None or (isinstance(value, str) and value == ""):
            problems[name] = ["This field is required."]
        elif not isinstance(value, str):
            problems[name] = ["Must be a string."]
        else:
            values[name] = value
    if problems:
        raise FieldErrors(problems)
    return values
