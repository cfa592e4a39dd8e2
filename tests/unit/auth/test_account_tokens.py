from dataclasses import dataclass

import pytest

from videoflix.auth.account_tokens import check_account_token, decode_uid, encode_uid, make_account_token

SECRET = "unit-secret-unit-secret-unit-secret-123"
NOW = 1_800_000_000


@dataclass
class FakeUser:
    id: int = 7
    email: str = "viewer@example.com"
    password_hash: str = "$2b$04$abcdefghijklmnopqrstuuE6bYZlK6oM1lGzY9y5d1v2Jx2Xw9bq"
    is_active: bool = False


def check(user, token, purpose="activation", now=NOW, max_age=86400, secret=SECRET):
    return check_account_token(user, token, purpose, secret, max_age, now=now)


def test_token_verifies_for_its_user_and_purpose():
    user = FakeUser()
    token = make_account_token(user, "activation", SECRET, now=NOW)
    assert check(user, token)
    assert not check(user, token, purpose="password_reset")
    assert not check(FakeUser(id=8), token)
    assert not check(FakeUser(email="other@example.com"), token)
    assert not check(user, token, secret=SECRET + "x")


def test_activation_token_dies_once_the_account_is_active():
    user = FakeUser()
    token = make_account_token(user, "activation", SECRET, now=NOW)
    user.is_active = True
    assert not check(user, token)


def test_activation_token_dies_once_the_pending_password_changes():
    # A later registration (or a reset) replaces the pending password: every link sent for
    # the earlier password stops working, so no link activates a password it was not sent for.
    user = FakeUser()
    token = make_account_token(user, "activation", SECRET, now=NOW)
    user.password_hash = "$2b$04$somethingelse"
    assert not check(user, token)


def test_reset_token_dies_once_the_password_changes():
    user = FakeUser(is_active=True)
    token = make_account_token(user, "password_reset", SECRET, now=NOW)
    assert check(user, token, purpose="password_reset")
    user.password_hash = "$2b$04$somethingelse"
    assert not check(user, token, purpose="password_reset")


def test_token_expires_after_max_age_and_rejects_future_stamps():
    user = FakeUser()
    token = make_account_token(user, "activation", SECRET, now=NOW)
    assert check(user, token, now=NOW + 86400)
    assert not check(user, token, now=NOW + 86401)
    assert not check(user, token, now=NOW - 10)


@pytest.mark.parametrize("token", ["", "-", "nodash", "zz-", "!!-abc", "a" * 65, "1-" + "0" * 40])
def test_malformed_tokens_are_rejected(token):
    assert not check(FakeUser(), token)


def test_tampered_timestamp_is_rejected():
    user = FakeUser()
    stamp, signature = make_account_token(user, "activation", SECRET, now=NOW).split("-")
    later = format(int(stamp, 36) + 1000, "x")  # any other stamp breaks the HMAC
    assert not check(user, f"{later}-{signature}")


def test_uid_round_trip_and_garbage():
    assert decode_uid(encode_uid(42)) == 42
    assert encode_uid(1) == "MQ"
    for bad in ("", "!!!", "LTE", "MA", "YWJj", "x" * 40, "MQ=="[:1]):
        assert decode_uid(bad) is None
