"""Staff rights granted by the operator's function to an account its owner registered and activated."""
from __future__ import annotations

import pytest

from videoflix.errors import NotFound
from videoflix_tools.functions import load_handler

pytestmark = pytest.mark.integration


@pytest.fixture
def staff_function():
    return load_handler("staff")


def test_an_activated_account_becomes_staff_and_loses_it_again_without_logging_in_anew(
        logged_in_client, staff_function):
    viewer = logged_in_client("editor@example.com")
    assert viewer.get("/api/admin/videos/").status == 403

    granted = staff_function({"email": "  Editor@Example.com", "staff": True}, None)
    assert granted["email"] == "editor@example.com" and granted["is_staff"] is True and granted["changed"] is True
    assert viewer.get("/api/admin/videos/").status == 200  # the same session: rights are read per request

    withdrawn = staff_function({"email": "editor@example.com", "staff": False}, None)
    assert withdrawn["is_staff"] is False and withdrawn["changed"] is True
    assert viewer.get("/api/admin/videos/").status == 403


def test_granting_again_changes_nothing_and_says_so(register_user, staff_function):
    register_user("editor@example.com")
    assert staff_function({"email": "editor@example.com"}, None)["changed"] is True  # staff is the default
    again = staff_function({"email": "editor@example.com"}, None)
    assert again["is_staff"] is True and again["changed"] is False


def test_an_account_not_yet_activated_gets_no_rights(client, staff_function, services):
    from sqlalchemy import select

    from videoflix.db.models import User

    assert client.post("/api/register/", {"email": "pending@example.com", "password": "correct-horse-9",
                                          "confirmed_password": "correct-horse-9"}).status == 201
    with pytest.raises(NotFound, match="open the activation link first"):
        staff_function({"email": "pending@example.com", "staff": True}, None)
    with services.db.session() as session:
        user = session.scalars(select(User).where(User.email == "pending@example.com")).one()
        assert user.is_staff is False


def test_an_unknown_address_is_not_found_and_nothing_is_created(staff_function, services):
    from sqlalchemy import func, select

    from videoflix.db.models import User

    with pytest.raises(NotFound, match="No activated account for nobody@example.com"):
        staff_function({"email": "nobody@example.com", "staff": True}, None)
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_an_address_that_cannot_be_one_is_refused_before_any_lookup(staff_function):
    from videoflix.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not an email address"):
        staff_function({"email": "admin at example", "staff": True}, None)
