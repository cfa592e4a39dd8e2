"""The dev stack's staff user (ADMIN_EMAIL / ADMIN_PASSWORD) across restarts: created once, its
sessions kept while the password still matches, changed (and its sessions ended) when it does not."""
from __future__ import annotations

import pytest

from videoflix.auth.service import authenticate, login, refresh
from videoflix.db.models import User
from videoflix.errors import AuthenticationFailed
from videoflix_tools.dev.stack import provision_stack

pytestmark = pytest.mark.integration
ADMIN = "admin@videoflix.local"


def _hash(services) -> str:
    with services.db.session() as session:
        return session.query(User).filter_by(email=ADMIN).one().password_hash


def test_a_restart_keeps_the_staff_sessions(services):
    settings = services.settings.with_overrides(admin_email=ADMIN, admin_password="first-admin-password")
    services = provision_stack(settings)  # the first start creates the user
    signed_in = login(services, ADMIN, "first-admin-password").tokens
    stored = _hash(services)

    services = provision_stack(settings)  # `make dev` stopped and started again
    assert _hash(services) == stored
    assert authenticate(services, signed_in.access).email == ADMIN
    assert refresh(services, signed_in.refresh).access


def test_a_changed_password_is_stored_and_ends_the_old_sessions(services):
    settings = services.settings.with_overrides(admin_email=ADMIN, admin_password="first-admin-password")
    services = provision_stack(settings)
    signed_in = login(services, ADMIN, "first-admin-password").tokens

    services = provision_stack(settings.with_overrides(admin_password="second-admin-password"))
    with pytest.raises(AuthenticationFailed):
        authenticate(services, signed_in.access)
    with pytest.raises(AuthenticationFailed):
        login(services, ADMIN, "first-admin-password")
    assert login(services, ADMIN, "second-admin-password").email == ADMIN
