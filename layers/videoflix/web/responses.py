"""Framework-neutral responses and the one table that maps domain errors to HTTP."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from videoflix import errors

JSON_TYPE = "application/json"


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[str] = field(default_factory=list)
    content_type: str = JSON_TYPE

    def encoded_body(self) -> str:
        if self.content_type == JSON_TYPE:
            return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)
        return self.body


def json_response(status: int, body: Any, **kwargs) -> ApiResponse:
    return ApiResponse(status=status, body=body, **kwargs)


def detail(status: int, message: str, **kwargs) -> ApiResponse:
    return ApiResponse(status=status, body={"detail": message}, **kwargs)


# The single place where a domain error becomes an HTTP status.
ERROR_STATUS: dict[type[errors.VideoflixError], int] = {
    errors.InvalidInput: 400,
    errors.FieldErrors: 400,
    errors.AuthenticationFailed: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.TooManyRequests: 429,
    errors.ServiceUnavailable: 503,
}


def error_response(exc: errors.VideoflixError) -> ApiResponse:
    status = next(ERROR_STATUS[cls] for cls in type(exc).__mro__ if cls in ERROR_STATUS)
    body = exc.fields if isinstance(exc, errors.FieldErrors) else {"detail": exc.detail}
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
    return ApiResponse(status=status, body=body, headers=headers)


INTERNAL_ERROR = "Internal server error. The failure was logged; try again later."
