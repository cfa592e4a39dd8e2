"""Staff rights: granted by an operator to an account its owner registered and activated.

The owner chooses the password through the normal sign-up, so no password travels in an
operator's command or a function's event. Every staff route reads the user from the database
on each request, so a withdrawal takes effect at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from videoflix.auth.emails import email_problems, normalize_email
from videoflix.db.history import record_history
from videoflix.db.models import User
from videoflix.errors import InvalidInput, NotFound
from videoflix.services import Services

# Who the staff history says made the change: an operator invoking the function (`sam remote invoke`);
# Lambda is not told which IAM principal invoked it (CloudTrail records that).
STAFF_FUNCTION_ACTOR = "operator:staff-function"
EVENT_SHAPE = 'Send {"email": "admin@example.com", "staff": true} (false withdraws the rights).'


@dataclass(frozen=True)
class StaffChange:
    email: str
    staff: bool


@dataclass(frozen=True)
class StaffResult:
    user_id: int
    email: str
    is_staff: bool
    changed: bool


def read_staff_change(event: Any) -> StaffChange:
    """The change an operator's event asks for; InvalidInput, saying the expected shape, otherwise."""
    if not isinstance(event, dict):
        raise InvalidInput(f"The event must be a JSON object. {EVENT_SHAPE}")
    unknown = sorted(set(event) - {"email", "staff"})
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(map(str, unknown))}. {EVENT_SHAPE}")
    email, staff = event.get("email"), event.get("staff", True)
    if not isinstance(email, str) or not email.strip():
        raise InvalidInput(f"`email` must be the account's email address. {EVENT_SHAPE}")
    if not isinstance(staff, bool):
        raise InvalidInput(f"`staff` must be true or false. {EVENT_SHAPE}")
    return StaffChange(normalize_email(email), staff)


def set_staff(services: Services, change: StaffChange, actor: str = STAFF_FUNCTION_ACTOR) -> StaffResult:
    """Grant or withdraw staff rights; NotFound unless the account exists and is activated. A change is
    recorded in the staff history in the same transaction (`user.staff`); asking for what already holds
    changes and records nothing."""
    problems = email_problems(change.email)
    if problems:
        raise InvalidInput(f"`email` is not an email address: {' '.join(problems)}")
    with services.db.session() as session:
        user = session.scalars(select(User).where(User.email == change.email)).first()
        if user is None or not user.is_active:
            raise NotFound(f"No activated account for {change.email}. Register it through the frontend and "
                           "open the activation link first, then run this again.")
        changed = user.is_staff != change.staff
        if changed:
            record_history(session, actor, "user.staff", "user", user.id, {"is_staff": [user.is_staff, change.staff]})
        user.is_staff = change.staff
        return StaffResult(user.id, user.email, user.is_staff, changed)
