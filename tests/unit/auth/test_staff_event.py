"""The operator's event for the staff function: its one shape, and errors that show it."""
from __future__ import annotations

import pytest

from videoflix.auth.staff import EVENT_SHAPE, StaffChange, read_staff_change
from videoflix.errors import InvalidInput


def test_the_address_is_normalized_and_staff_is_granted_unless_said_otherwise():
    assert read_staff_change({"email": " Admin@Example.COM "}) == StaffChange("admin@example.com", True)
    assert read_staff_change({"email": "a@example.com", "staff": False}) == StaffChange("a@example.com", False)


@pytest.mark.parametrize("event, says", [
    ([], "must be a JSON object"),
    ("admin@example.com", "must be a JSON object"),
    ({}, "`email` must be"),
    ({"email": ""}, "`email` must be"),
    ({"email": 7}, "`email` must be"),
    ({"email": "a@example.com", "staff": "yes"}, "`staff` must be true or false"),
    ({"email": "a@example.com", "staff": 1}, "`staff` must be true or false"),
    ({"email": "a@example.com", "password": "x"}, "Unknown field(s): password"),
])
def test_a_malformed_event_says_what_to_send(event, says):
    with pytest.raises(InvalidInput) as raised:
        read_staff_change(event)
    assert says in raised.value.detail and EVENT_SHAPE in raised.value.detail
