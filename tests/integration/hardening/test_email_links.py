"""Email links come from FRONTEND_URL only, and look-alike addresses never receive a token."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration
LOOKALIKE = "v\u0456ewer@example.com"  # Cyrillic і: renders like viewer@example.com
SPOOFED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "Forwarded": "host=evil.example",
           "Origin": "http://127.0.0.1:5500"}


def test_links_ignore_the_request_host(client, mailbox, register_user, services):
    register_user()
    assert client.post("/api/password_reset/", {"email": "viewer@example.com"}, headers=SPOOFED).status == 200
    client.post("/api/register/", {"email": "new@example.com", "password": "correct-horse-9",
                                   "confirmed_password": "correct-horse-9"}, headers=SPOOFED)
    emails = mailbox.deliver()
    linked = [m for m in emails if "token=" in m["text"]]
    assert len(linked) >= 2
    for mail in emails:
        assert "evil.example" not in mail["text"] and "evil.example" not in mail["html"]
    for mail in linked:
        assert f"{services.settings.frontend_url}/pages/auth/" in mail["text"]


@pytest.mark.parametrize("address", [LOOKALIKE, "VIEWER@EXAMPLE.COM\u200b", "viewer@exаmple.com"])
def test_lookalike_addresses_never_receive_the_accounts_token(client, mailbox, register_user, address):
    register_user()
    before = len(mailbox.deliver())
    answer = client.post("/api/password_reset/", {"email": address})
    assert answer.status == 400 and "email" in answer.json
    assert len(mailbox.deliver()) == before


def test_case_and_width_variants_reach_the_one_real_account(client, mailbox, register_user):
    register_user()
    # Full-width letters fold to ASCII under NFKC: the same mailbox, so the same account.
    assert client.post("/api/password_reset/", {"email": "ＶＩＥＷＥＲ@Example.com"}).status == 200
    resets = [m for m in mailbox.deliver() if m["subject"] == "Reset your Password"]
    assert [m["to"] for m in resets] == [["viewer@example.com"]]
