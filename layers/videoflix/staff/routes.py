"""What each staff-console route calls: one function each, taking plain values (no framework)."""
from __future__ import annotations

from typing import Any, Mapping

from videoflix.errors import NotFound
from videoflix.services import Services
from videoflix.staff import users as _users
from videoflix.staff.edits import edit_video
from videoflix.staff.history import history_page, record
from videoflix.staff.paging import parse_page
from videoflix.staff.posters import complete_poster, request_poster
from videoflix.staff.queues import Queues

change_user, delete_user, resend_activation = _users.change_user, _users.delete_user, _users.resend_activation
__all__ = ["edit_video", "request_poster", "complete_poster", "list_users", "change_user", "delete_user",
           "resend_activation", "history", "queues", "redrive", "parse_user_id"]

MAX_ID = 2**31 - 1


def parse_user_id(raw: str) -> int:
    """A path's user id; anything but a positive number that fits the id column is simply not found."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not 0 < int(raw) <= MAX_ID:
        raise NotFound("User not found.")
    return int(raw)


def list_users(services: Services, query: Mapping[str, str] | None) -> dict[str, Any]:
    return _users.list_users(services, _users.parse_search(query), parse_page(query))


def history(services: Services, query: Mapping[str, str] | None) -> dict[str, Any]:
    return history_page(services, parse_page(query))


def queues(services: Services) -> dict[str, Any]:
    return Queues(services).overview()


def redrive(services: Services, actor: str, name: str) -> dict[str, Any]:
    result = Queues(services).redrive(name)
    # The messages moved in SQS, which shares no transaction with the database: recorded right after.
    with services.db.session() as session:
        record(session, actor, "queue.redrive", "queue", result["name"], {"moved": [None, result["moved"]]})
    return result
