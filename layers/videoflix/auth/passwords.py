"""Password hashing with bcrypt and the password rules.

Besides length, a password must not be on the block-list of common passwords (NIST SP
800-63B section 5.1.1.2: common-passwords.txt.gz beside this file, see its .LICENSE) nor be
too similar to the email address (Django's UserAttributeSimilarityValidator rule).
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

MIN_PASSWORD_LENGTH = 8
BCRYPT_MAX_BYTES = 72
COMMON_PASSWORDS_FILE = "common-passwords.txt.gz"
MAX_SIMILARITY = 0.7
TOO_COMMON = "This password is too common."
SAME_AS_EMAIL = "The password must not be the same as the email address."
TOO_SIMILAR = "The password is too similar to the email address."


def password_problems(password: str, email: str | None = None) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        problems.append(f"This password is too long. It must be at most {BCRYPT_MAX_BYTES} bytes.")
    if "\x00" in password:
        problems.append("This password contains a NUL character.")
    if not problems and password.strip().lower() in common_passwords():
        problems.append(TOO_COMMON)  # only for an otherwise acceptable one: earlier answers stay as they were
    if email and password.strip().lower() == email.strip().lower():
        problems.append(SAME_AS_EMAIL)
    elif email and too_similar(password, email):
        problems.append(TOO_SIMILAR)
    return problems


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The block-list, read from the package on first use (never at import: cold starts)."""
    import gzip  # read once, by the first password check

    with gzip.open(Path(__file__).with_name(COMMON_PASSWORDS_FILE), "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def too_similar(password: str, email: str, max_similarity: float = MAX_SIMILARITY) -> bool:
    """Whether `password` is close to the address or one of its parts (local part, domain labels)."""
    from difflib import SequenceMatcher  # registration and resets only, never a login's cold start

    password = password.lower()
    email = email.strip().lower()
    for part in re.split(r"\W+", email) + [email]:
        if not part or _length_ratio_exceeded(password, max_similarity, part):
            continue
        if SequenceMatcher(a=password, b=part).quick_ratio() >= max_similarity:
            return True
    return False


def _length_ratio_exceeded(password: str, max_similarity: float, part: str) -> bool:
    """A part so much shorter than the password that it cannot reach `max_similarity` (Django's bound)."""
    return len(password) >= 10 * len(part) and len(part) < max_similarity / 2 * len(password)


def hash_password(password: str, rounds: int) -> str:
    import bcrypt

    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    import bcrypt

    data = password.encode("utf-8")
    if len(data) > BCRYPT_MAX_BYTES or "\x00" in password:
        # bcrypt would refuse or truncate; still spend the same work so timing stays flat.
        bcrypt.checkpw(b"x", password_hash.encode("ascii"))
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode("ascii"))
    except ValueError:
        return False


@functools.lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> str:
    """A hash to verify against when no user exists, so unknown emails cost a bcrypt verify too."""
    return hash_password("videoflix-no-such-user", rounds)
