"""Abuse limits in Redis: failed logins, registrations and reset requests per address and per IP."""
from __future__ import annotations

import pytest

from tests.integration.hardening.conftest import VIEWER, VIEWER_PASSWORD, json_error

pytestmark = pytest.mark.integration
TOO_MANY = {"detail": "Too many attempts. Please wait before trying again."}
GENERIC_401 = {"detail": "Please check your input and try again."}


@pytest.fixture
def limits(services):
    """Small limits, so a test reaches them in a few requests."""
    def set_limits(**values):
        services.settings = services.settings.with_overrides(**values)
    return set_limits


def login(client, email=VIEWER, password="wrong-password-1"):
    return client.post("/api/login/", {"email": email, "password": password})


def assert_429(answer, window: int) -> None:
    assert json_error(answer, 429) == TOO_MANY
    assert 0 < int(answer.header("Retry-After")) <= window
    assert answer.set_cookies() == {}


def test_failed_logins_per_address_end_in_the_same_429_for_known_and_unknown_addresses(services, viewer,
                                                                                     make_client, limits):
    limits(login_failures_per_email=3)
    for email in (VIEWER, "ghost@example.com"):
        client = make_client(source_ip=f"198.51.100.{len(email)}")  # one IP each: the address limit acts
        for _ in range(3):
            assert json_error(login(client, email), 401) == GENERIC_401
        assert_429(login(client, email), services.settings.login_failure_window)
    # Over the limit even the right password is refused: guessing cannot go on.
    assert_429(login(make_client(source_ip="198.51.100.99"), VIEWER, VIEWER_PASSWORD),
               services.settings.login_failure_window)
    # Other addresses are not affected.
    assert json_error(login(make_client(source_ip="198.51.100.99"), "other@example.com"), 401) == GENERIC_401


def test_address_limit_counts_the_normalized_address(services, viewer, make_client, limits):
    limits(login_failures_per_email=2)
    client = make_client()
    login(client, "VIEWER@example.com")
    login(client, " viewer@EXAMPLE.com ")
    assert_429(login(client, "\uff56iewer@example.com"), services.settings.login_failure_window)


def test_a_success_resets_the_address_count(services, viewer, make_client, limits):
    limits(login_failures_per_email=3)
    client = make_client()
    for _ in range(2):
        for _ in range(2):
            assert login(client).status == 401
        assert login(client, password=VIEWER_PASSWORD).status == 200
    assert login(client).status == 401  # 2 + 1 failures since the last success: still under 3


def test_failed_logins_per_ip_across_addresses(services, viewer, make_client, limits):
    limits(login_failures_per_email=100, login_failures_per_ip=4)
    attacker = make_client(source_ip="203.0.113.50")
    for number in range(4):
        assert login(attacker, f"user{number}@example.com").status == 401
    assert_429(login(attacker, "user9@example.com"), services.settings.login_failure_window)
    # A spoofed forwarding header changes nothing: the address is API Gateway's sourceIp.
    spoofed = attacker.post("/api/login/", {"email": "user10@example.com", "password": "x-x-x-x-1"},
                            headers={"X-Forwarded-For": "192.0.2.1", "X-Real-IP": "192.0.2.1"})
    assert_429(spoofed, services.settings.login_failure_window)
    # Another client still logs in, and so does the viewer from elsewhere.
    assert login(make_client(source_ip="203.0.113.51"), VIEWER, VIEWER_PASSWORD).status == 200


def test_ipv6_clients_are_counted_per_64_prefix(services, make_client, limits):
    limits(login_failures_per_email=100, login_failures_per_ip=2)
    for host in ("2001:db8:1:2::10", "2001:db8:1:2::11"):
        assert login(make_client(source_ip=host), f"{host[-2:]}@example.com").status == 401
    assert_429(login(make_client(source_ip="2001:db8:1:2:ffff::1"), "z@example.com"),
               services.settings.login_failure_window)
    assert login(make_client(source_ip="2001:db8:1:3::10"), "y@example.com").status == 401


def register(client, email):
    return client.post("/api/register/", {"email": email, "password": "correct-horse-9",
                                          "confirmed_password": "correct-horse-9"})


def test_registrations_per_address_and_per_ip_per_hour(services, client, make_client, mailbox, limits):
    limits(registrations_per_email_hour=2, registrations_per_ip_hour=3)
    assert [register(make_client(source_ip=f"198.51.100.{n}"), "new@example.com").status
            for n in range(2)] == [201, 201]
    assert_429(register(make_client(source_ip="198.51.100.9"), "NEW@example.com"), 3600)
    # Per IP: the third registration from one address is the last.
    assert [register(client, f"user{n}@example.com").status for n in range(3)] == [201, 201, 201]
    assert_429(register(client, "user4@example.com"), 3600)
    # Invalid requests cost nothing (no email was sent): typos never lock anyone out.
    fresh = make_client(source_ip="198.51.100.77")
    for _ in range(5):
        assert fresh.post("/api/register/", {"email": "typo@example", "password": "x"}).status == 400
    assert register(fresh, "typo@example.com").status == 201
    # Refused registrations queued no email.
    recipients = [m["to"][0] for m in mailbox.deliver()]
    assert sorted(recipients) == sorted(["new@example.com"] * 2 + [f"user{n}@example.com" for n in range(3)]
                                        + ["typo@example.com"])


def test_password_resets_per_address_and_per_ip_alike_for_known_and_unknown(services, viewer, make_client,
                                                                              mailbox, limits):
    limits(password_resets_per_email_hour=2, password_resets_per_ip_hour=5)
    answers = {}
    for email in (VIEWER, "ghost@example.com"):
        client = make_client(source_ip=f"198.51.100.{len(email)}")
        statuses = [client.post("/api/password_reset/", {"email": email}).status for _ in range(2)]
        over = client.post("/api/password_reset/", {"email": email})
        answers[email] = (statuses, over.status, over.json)
    assert answers[VIEWER] == answers["ghost@example.com"] == ([200, 200], 429, TOO_MANY)
    assert len([m for m in mailbox.deliver() if m["to"] == [VIEWER]]) == 2
    spammer = make_client(source_ip="203.0.113.60")
    for number in range(5):
        assert spammer.post("/api/password_reset/", {"email": f"r{number}@example.com"}).status == 200
    assert_429(spammer.post("/api/password_reset/", {"email": "r9@example.com"}), 3600)


def test_a_limit_of_zero_is_off(services, viewer, make_client, limits):
    limits(login_failures_per_email=0, login_failures_per_ip=0)
    client = make_client()
    assert {login(client).status for _ in range(12)} == {401}
    assert login(client, password=VIEWER_PASSWORD).status == 200


def test_counters_hold_no_address_in_clear_and_expire(services, viewer, make_client):
    login(make_client())
    keys = services.redis.keys("throttle:*")
    assert len(keys) == 2 and not any("viewer" in key or "203.0.113" in key for key in keys)
    assert all(0 < services.redis.ttl(key) <= services.settings.login_failure_window for key in keys)
