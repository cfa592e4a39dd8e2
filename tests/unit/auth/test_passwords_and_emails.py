import pytest

from videoflix.auth.emails import email_problems, normalize_email
from videoflix.auth.passwords import dummy_hash, hash_password, password_problems, verify_password


def test_hash_and_verify():
    hashed = hash_password("correct-horse-9", rounds=4)
    assert hashed.startswith("$2b$04$")
    assert verify_password("correct-horse-9", hashed)
    assert not verify_password("correct-horse-8", hashed)


def test_overlong_and_nul_passwords_never_verify_even_if_a_prefix_matches():
    hashed = hash_password("p" * 72, rounds=4)
    assert verify_password("p" * 72, hashed)
    assert not verify_password("p" * 73, hashed)  # bcrypt would silently truncate
    assert not verify_password("p" * 10 + "\x00", hash_password("p" * 10, rounds=4))


def test_verify_survives_a_malformed_hash():
    assert not verify_password("anything-1", "not-a-bcrypt-hash")


def test_dummy_hash_is_a_real_hash_at_the_configured_cost():
    assert dummy_hash(5).startswith("$2b$05$")


@pytest.mark.parametrize("password,email,expected", [
    ("correct-horse-9", None, []),
    ("1234567", None, ["too short"]),  # common too, but a short password keeps its one message
    ("x" * 72, None, []),
    ("x" * 73, None, ["too long"]),
    ("é" * 36, None, []),
    ("é" * 37, None, ["too long"]),
    ("abc\x00defgh", None, ["NUL"]),
    ("Me@Example.com", "me@example.com", ["same as the email"]),
])
def test_password_rules(password, email, expected):
    problems = password_problems(password, email)
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected):
        assert fragment in problem


@pytest.mark.parametrize("password", ["12345678", "password", "qwertyuiop", "PassWord", " password ",
                                      "iloveyou", "sunshine1", "football", "1q2w3e4r5t"])
def test_common_passwords_are_refused(password):
    assert password_problems(password) == ["This password is too common."]


@pytest.mark.parametrize("password,email", [
    ("viewer-example", "viewer@example.com"),   # the address with another separator
    ("Viewer@example", "viewer@example.com"),   # most of the address
    ("annabelle99", "annabelle@example.com"),   # the local part and two digits
    ("videoflixx", "admin@videoflix.local"),    # the domain's name
    ("ELEPHANTS", "elephant@zoo.example.org"),  # case makes no difference
])
def test_passwords_too_similar_to_the_address_are_refused(password, email):
    assert password_problems(password, email) == ["The password is too similar to the email address."]


@pytest.mark.parametrize("password,email", [
    ("correct-horse-9", "viewer@example.com"),
    ("change-me-admin", "admin@videoflix.local"),  # the dev stack's admin (.env.template)
    ("admin-password-1", "admin@example.com"),
    ("brand-new-pass-2", "viewer@example.com"),
    ("a-much-longer-passphrase", "a@b.co"),       # one-letter parts of the address
])
def test_unrelated_passwords_pass(password, email):
    assert password_problems(password, email) == []


def test_an_identical_address_keeps_its_single_message():
    # The existing answer for this case stays exactly as it was: one message, not two.
    assert password_problems("Me@Example.com", "me@example.com") == [
        "The password must not be the same as the email address."]


def test_the_block_list_is_the_shipped_20000_line_list():
    from videoflix.auth.passwords import common_passwords

    common = common_passwords()
    assert len(common) > 19_000  # 20,000 lines, 19,729 of them distinct once stripped
    assert {"123456", "password", "qwertyuiop", "12345678"} <= common
    assert all(entry == entry.lower() for entry in common)


@pytest.mark.parametrize("raw,normalized", [
    ("  Ann@Example.COM ", "ann@example.com"),
    ("ＡＮＮ@example.com", "ann@example.com"),  # full-width letters fold under NFKC
])
def test_normalize_email(raw, normalized):
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize("email", ["ann@example.com", "a.b+tag@sub.example.co.uk", "x_y@ex-ample.org"])
def test_valid_emails(email):
    assert email_problems(email) == []


@pytest.mark.parametrize("email", [
    "", "plain", "@example.com", "ann@", "ann@example", "ann@@example.com", "an n@example.com",
    "ann..b@example.com", "ann@-example.com", "аnn@example.com",  # Cyrillic а: a look-alike
    "a" * 65 + "@example.com", "a@" + "b" * 250 + ".com", "ann@exämple.com",
])
def test_invalid_emails(email):
    assert email_problems(normalize_email(email)) != []
