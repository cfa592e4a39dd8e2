"""The authentication use cases as plain functions over `Services`."""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select

from videoflix.auth import login_state
from videoflix.auth.account_tokens import check_account_token, decode_uid, encode_uid, make_account_token
from videoflix.auth.emails import email_problems, normalize_email
from videoflix.auth.passwords import hash_password, password_problems, verify_password
# Signing in and the login check live in videoflix.auth.sessions (no ORM); named here too for the callers
# that reach every account use case through this module.
from videoflix.auth.sessions import (LOGIN_FAILED, LoginResult, authenticate, login, logout, refresh,  # noqa: F401
                                     require_staff, throttle_of)
from videoflix.auth.throttle import password_reset_counters, registration_counters
from videoflix.db.history import record_history
from videoflix.db.models import User, utcnow
from videoflix.errors import FieldErrors, InvalidInput
from videoflix.services import Services

INVALID_LINK = "The link is invalid or has expired. Request a new one."
ACTIVATION = "activation"
PASSWORD_RESET = "password_reset"
RESET_REQUESTED = "password_reset_requested"  # a mail job the mailer turns into a reset email


def account_link(services: Services, page: str, user: User, purpose: str) -> str:
    token = make_account_token(user, purpose, services.settings.secret_key)
    base = services.settings.frontend_url.rstrip("/")
    return f"{base}/pages/auth/{page}?uid={encode_uid(user.id)}&token={token}"


def _checked_credentials(raw_email: str, password: str) -> str:
    """The normalized address, once it and the password pass their checks (FieldErrors otherwise)."""
    email = _clean_email(raw_email)
    issues = password_problems(password, email)
    if issues:
        raise FieldErrors({"password": issues})
    return email


def _clean_email(raw: str, field: str = "email") -> str:
    email = normalize_email(raw)
    problems = email_problems(email)
    if problems:
        raise FieldErrors({field: problems})
    return email


def _find_user(session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).first()


def _check_new_password(password: str, confirmation: str, email: str, password_field: str,
                        confirmation_field: str) -> None:
    """Field errors for a chosen password and its confirmation, named as the request names them."""
    problems: dict[str, list[str]] = {}
    issues = password_problems(password, email)
    if issues:
        problems[password_field] = issues
    if password != confirmation:
        problems[confirmation_field] = ["Passwords do not match."]
    if problems:
        raise FieldErrors(problems)


def register(services: Services, email: str, password: str, confirmed_password: str,
             client_ip: str | None = None) -> str:
    """Create an inactive account and queue its activation email; answers alike for taken emails.

    An address whose account was never activated is not taken: the new password replaces the
    pending one and a fresh link goes out, which kills every earlier link (they are bound to
    the pending password). So a squatter's registration can never be activated over its
    owner's, and no account is activated with a password its address owner did not choose.
    """
    email = _clean_email(email)
    _check_new_password(password, confirmed_password, email, "password", "confirmed_password")
    # Counted per address and per IP whether the address is taken or not (no enumeration).
    throttle_of(services).consume(registration_counters(services.settings, email, client_ip))
    # Hash before looking the user up, so new and existing addresses cost the same time.
    password_hash = hash_password(password, services.settings.bcrypt_rounds)
    with services.db.session() as session:
        user = _find_user(session, email)
        if user is None or not (user.is_active or disabled_by_staff(user)):
            if user is None:
                user = User(email=email, password_hash=password_hash, is_active=False, is_staff=False)
                session.add(user)
                session.flush()
            user.password_hash = password_hash  # a pending account: the latest registration wins
            job = ("activation", {"to": email, "link": account_link(services, "activate.html", user, ACTIVATION)})
        else:
            base = services.settings.frontend_url.rstrip("/")
            job = ("already_registered", {"to": email, "login_link": f"{base}/pages/auth/login.html",
                                          "reset_link": f"{base}/pages/auth/forgot_password.html"})
        # Written in this transaction, sent to the mail queue after the commit (videoflix.adapters.mail.outbox).
        services.outbox.enqueue(session, *job)
    return email


def _user_for_link(session, settings, uidb64: str, token: str, purpose: str) -> User:
    """The account an emailed link names, if its token is valid for `purpose`; else InvalidInput."""
    user_id = decode_uid(uidb64)
    user = session.get(User, user_id) if user_id is not None else None
    if user is None or not check_account_token(user, token, purpose, settings.secret_key,
                                                settings.account_token_max_age):
        raise InvalidInput(INVALID_LINK)
    return user


def activate(services: Services, uidb64: str, token: str) -> None:
    settings = services.settings
    with services.db.session() as session:
        user = _user_for_link(session, settings, uidb64, token, ACTIVATION)
        if disabled_by_staff(user):
            raise InvalidInput(INVALID_LINK)
        user.is_active = True
        confirm_email(user)  # the link reached the address: staff may now manage the account


def disabled_by_staff(user: User) -> bool:
    """Disabled through the staff console (not merely never activated): only staff enable it again."""
    return not user.is_active and user.tokens_valid_after is not None


def email_confirmed(user: User) -> bool:
    """Whether anyone proved the address: a link sent to it was used, or an operator made the account."""
    return user.email_verified_at is not None


def confirm_email(user: User) -> None:
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()


def account_status(user: User) -> str:
    """`active`, `disabled` (by staff) or `pending_confirmation` (registered, its address never confirmed)."""
    if user.is_active:
        return "active"
    return "disabled" if disabled_by_staff(user) or email_confirmed(user) else "pending_confirmation"


def wait_out_token_cutoff(user: User) -> None:
    """Before an account staff disabled is enabled again: let the second of `tokens_valid_after` end.

    Token times (iat) are whole seconds, and a token of that second counts as issued before the
    cutoff; a login right after enabling, still in that second, would get a token refused at once.
    Waits at most a second, and only when enabling follows disabling that closely.
    """
    if user.tokens_valid_after is not None:
        left = login_state.timestamp(user.tokens_valid_after) + 1 - time.time()
        if 0 < left <= 1:
            time.sleep(left)


def request_password_reset(services: Services, email: str, client_ip: str | None = None) -> None:
    """Queue one "reset requested" job for any well-formed address: the same work, known or not.

    Nothing here depends on whether the address has an account (no timing difference, no
    enumeration); the mailer looks it up (`prepare_mail_job`) and sends the link or drops the job.
    """
    email = _clean_email(email)
    throttle_of(services).consume(password_reset_counters(services.settings, email, client_ip))
    with services.db.session() as session:
        # One outbox row, one queued job, for every address alike (and alike a 503 without the database).
        services.outbox.enqueue(session, RESET_REQUESTED, {"email": email})


def prepare_mail_job(services: Services, job: dict[str, Any]) -> dict[str, Any] | None:
    """The job the mailer sends for a queued one: a reset request becomes the account's reset email.

    Every account gets it, activated or not (confirming the reset activates it: the link
    proves the address and its owner chooses the password); None drops a request for an
    address without an account. Other jobs pass unchanged.
    """
    if job.get("template") != RESET_REQUESTED:
        return job
    email = job["context"]["email"]  # a malformed job fails, and rests in the dead-letter queue
    with services.db.session() as session:
        user = _find_user(session, email)
        if user is None:
            return None
        link = account_link(services, "confirm_password.html", user, PASSWORD_RESET)
        return {**job, "template": PASSWORD_RESET, "context": {"to": user.email, "link": link}}


def confirm_password_reset(services: Services, uidb64: str, token: str, new_password: str,
                           confirm_password: str) -> None:
    settings = services.settings
    with services.db.session() as session:
        user = _user_for_link(session, settings, uidb64, token, PASSWORD_RESET)
        _check_new_password(new_password, confirm_password, user.email, "new_password", "confirm_password")
        # The new hash changes the token fingerprint: every earlier refresh token stops working.
        user.password_hash = hash_password(new_password, settings.bcrypt_rounds)
        # The link proved the address, and its owner chose this password: a pending account is
        # activated (its earlier activation links died with the old pending password). An account
        # staff disabled stays disabled, its address confirmed now (staff may enable it).
        user.is_active = not disabled_by_staff(user)
        confirm_email(user)


def create_user(services: Services, email: str, password: str, *, staff: bool = False,
                active: bool = True, actor: str | None = None) -> User:
    """Create (or update the password of) a user directly: the CLI and the dev stack's admin. With an
    `actor` (`videoflix users create`: the operator), the change is recorded in the staff history in
    the same transaction."""
    email = _checked_credentials(email, password)
    with services.db.session() as session:
        user = _find_user(session, email)
        created = user is None
        if user is None:
            user = User(email=email, password_hash="", is_active=active, is_staff=staff)
            session.add(user)
        before = {"is_active": None if created else user.is_active, "is_staff": None if created else user.is_staff}
        user.password_hash = hash_password(password, services.settings.bcrypt_rounds)
        user.is_active = active or user.is_active
        user.is_staff = staff or user.is_staff
        if user.is_active:
            confirm_email(user)  # the operator vouches for the address
        session.flush()
        if actor:
            changes = {name: [before[name], getattr(user, name)] for name in before
                       if before[name] != getattr(user, name)}
            record_history(session, actor, "user.create" if created else "user.password", "user", user.id,
                           {**({"email": [None, user.email]} if created else {}), **changes,
                            "password": [None, "set"]})
        session.expunge(user)
        return user


def ensure_user(services: Services, email: str, password: str, *, staff: bool = False) -> tuple[User, str]:
    """The user with this password, active (and staff): `created`, `updated` or `unchanged`.

    Unlike create_user, a password that still matches keeps its hash, so the sessions issued
    for it (whose tokens carry the hash's fingerprint) live on: the dev stack's admin on every start.
    """
    email = _checked_credentials(email, password)
    with services.db.session() as session:
        user = _find_user(session, email)
        if user is None:
            user = User(email=email, password_hash=hash_password(password, services.settings.bcrypt_rounds),
                        is_active=True, is_staff=staff)
            session.add(user)
            outcome = "created"
        elif not verify_password(password, user.password_hash):
            user.password_hash = hash_password(password, services.settings.bcrypt_rounds)
            outcome = "updated"
        else:
            outcome = "unchanged"
        if not user.is_active or (staff and not user.is_staff):
            user.is_active, user.is_staff = True, staff or user.is_staff
            outcome = "updated" if outcome == "unchanged" else outcome
        session.flush()
        session.expunge(user)
        return user, outcome
