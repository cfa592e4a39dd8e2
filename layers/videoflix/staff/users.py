"""Staff management of accounts: search, enable and disable, staff rights, delete, re-send activation.

Staff can neither disable, demote nor delete themselves, and the last active staff account
always stays. Disabling an account ends all its sessions at once: `authenticate` refuses an
inactive user, and tokens issued before `tokens_valid_after` stay dead if it is enabled again.

An account whose address nobody confirmed (registered, no link sent to the address used yet)
is "pending confirmation": staff can neither enable it nor grant it staff rights (409, resend
the activation email instead), since that would hand the address to whoever registered it,
with the password they chose. Disabling a pending account kills every link it has out (its
pending password is replaced by one nobody knows); a resent activation link opens it again.
"""
from __future__ import annotations

import secrets
from typing import Any, Mapping

from sqlalchemy import func, select

from videoflix.auth.passwords import hash_password
from videoflix.auth.service import (
    ACTIVATION, account_link, account_status, disabled_by_staff, email_confirmed, wait_out_token_cutoff,
)
from videoflix.db.models import User, utcnow
from videoflix.domain.video_json import iso
from videoflix.errors import Conflict, FieldErrors, NotFound
from videoflix.services import Services
from videoflix.staff.history import diff, record
from videoflix.staff.paging import Page

MAX_QUERY = 254
FLAGS = ("is_active", "is_staff")
LAST_STAFF = "This is the last active staff account; grant staff rights to another account first."
NEVER_CONFIRMED = ("This account's email address was never confirmed, so it cannot be enabled or made staff: "
                   "resend the activation email (POST /api/admin/users/{id}/activation-email/) and let the "
                   "address's owner confirm it.")


def user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "is_active": user.is_active, "is_staff": user.is_staff,
            "date_joined": iso(user.date_joined), "last_login": iso(user.last_login),
            "email_verified": email_confirmed(user), "status": account_status(user)}


def parse_search(query: Mapping[str, str] | None) -> str:
    text = ((query or {}).get("q") or "").strip()
    if len(text) > MAX_QUERY or "\x00" in text:
        raise FieldErrors.single("q", f"At most {MAX_QUERY} characters, no null characters.")
    return text


def list_users(services: Services, search: str, page: Page) -> dict[str, Any]:
    """Accounts whose address contains `search` (any case), oldest first."""
    condition = []
    if search:
        escaped = search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition.append(func.lower(User.email).like(f"%{escaped}%", escape="\\"))
    with services.db.session() as session:
        total = session.scalar(select(func.count()).select_from(User).where(*condition))
        users = session.scalars(select(User).where(*condition).order_by(User.id)
                                .offset(page.offset).limit(page.page_size)).all()
        return page.answer([user_json(user) for user in users], total or 0)


def _user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found.")
    return user


def _keep_one_staff(session, user: User) -> None:
    """Conflict if `user` is the only active staff account (rows locked: two removals cannot cross)."""
    staff = session.scalars(select(User.id).where(User.is_staff.is_(True), User.is_active.is_(True))
                            .with_for_update()).all()
    if user.is_staff and user.is_active and set(staff) <= {user.id}:
        raise Conflict(LAST_STAFF)


def parse_user_changes(body: dict[str, Any]) -> dict[str, bool]:
    given = {name: body[name] for name in FLAGS if name in body}
    if not given:
        raise FieldErrors.single("non_field_errors", "Send is_active and/or is_staff.")
    wrong = {name: ["Must be true or false."] for name, value in given.items() if not isinstance(value, bool)}
    if wrong:
        raise FieldErrors(wrong)
    return given


def change_user(services: Services, actor: User, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
    changes = parse_user_changes(body)
    with services.db.session() as session:
        user = _user(session, user_id)
        removing = changes.get("is_active") is False or changes.get("is_staff") is False
        if user.id == actor.id and removing:
            raise Conflict("You cannot disable or demote your own account; ask another staff member.")
        if removing:
            _keep_one_staff(session, user)
        if True in changes.values() and not email_confirmed(user):
            raise Conflict(NEVER_CONFIRMED.format(id=user.id))
        closing_pending = changes.get("is_active") is False and account_status(user) == "pending_confirmation"
        changed = diff({name: getattr(user, name) for name in changes}, changes)
        if changed.get("is_active") == [False, True]:
            wait_out_token_cutoff(user)  # tokens issued from now on are told apart from the ended ones
        for name, value in changes.items():
            setattr(user, name, value)
        if changed.get("is_active") == [True, False]:
            user.tokens_valid_after = utcnow()  # every session ends now, and stays ended if enabled again
        if closing_pending:
            # Its activation and reset links are bound to the pending password: they die with it.
            user.password_hash = hash_password(secrets.token_urlsafe(32), services.settings.bcrypt_rounds)
            user.tokens_valid_after = utcnow()
            changed["status"] = ["pending_confirmation", "disabled"]
        if changed:
            record(session, actor.email, "user.change", "user", user.id, changed)
        session.flush()
        return user_json(user)


def delete_user(services: Services, actor: User, user_id: int) -> None:
    """Delete the account: its tokens die with the row (every request reads it); history keeps the email."""
    with services.db.session() as session:
        user = _user(session, user_id)
        if user.id == actor.id:
            raise Conflict("You cannot delete your own account; ask another staff member.")
        _keep_one_staff(session, user)
        record(session, actor.email, "user.delete", "user", user.id, {"email": [user.email, None]})
        session.delete(user)


def resend_activation(services: Services, actor: User, user_id: int) -> None:
    """Queue a fresh activation email for an account never activated (409 for an active one).

    An account staff disabled before its address was confirmed is opened again (pending
    confirmation): its earlier links stay dead, they were bound to the password replaced then.
    """
    with services.db.session() as session:
        user = _user(session, user_id)
        if user.is_active:
            raise Conflict("This account is active already; there is nothing to activate.")
        if disabled_by_staff(user) and email_confirmed(user):
            raise Conflict("This account was disabled by staff; enable it instead (PATCH is_active: true).")
        user.tokens_valid_after = None  # never active since it was disabled: no session to keep ended
        services.outbox.enqueue(session, "activation",
                                {"to": user.email, "link": account_link(services, "activate.html", user, ACTIVATION)})
        record(session, actor.email, "user.activation_email", "user", user.id, {})
