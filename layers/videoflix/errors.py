"""Domain errors. The web edge maps each to one HTTP answer in one table."""
from __future__ import annotations


class VideoflixError(Exception):
    """Base of every error the domain raises on purpose."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail or self.default_detail

    default_detail = "Request failed."
    # Seconds after which a retry may succeed; the web edge sends it as `Retry-After`.
    retry_after: int | None = None


class InvalidInput(VideoflixError):
    """The request is malformed as a whole (not JSON, not an object, ...)."""

    default_detail = "The request is invalid."


class FieldErrors(VideoflixError):
    """One or more fields failed validation; `fields` maps a name to its messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__("Some fields are invalid.")
        self.fields = fields

    @classmethod
    def single(cls, field: str, message: str) -> "FieldErrors":
        return cls({field: [message]})


class PayloadTooLarge(VideoflixError):
    default_detail = "The request body is too large."


class AuthenticationFailed(VideoflixError):
    default_detail = "Authentication credentials were not provided or are invalid."


class PermissionDenied(VideoflixError):
    default_detail = "You do not have permission to perform this action."


class NotFound(VideoflixError):
    default_detail = "Not found."


class Conflict(VideoflixError):
    default_detail = "The resource is not in a state that allows this action."


class TooManyRequests(VideoflixError):
    """An abuse limit was reached; the same answer whoever the request names."""

    default_detail = "Too many attempts. Try again later."

    def __init__(self, detail: str = "", retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = max(int(retry_after), 1)


class ServiceUnavailable(VideoflixError):
    """A dependency (database, cache, AWS) is down; the client may retry."""

    default_detail = "The service is temporarily unavailable. Try again shortly."
    retry_after = 5
