"""Password hashing with bcrypt and the password rules."""
from __future__ import annotations

import functools

MIN_PASSWORD_LENGTH = 8
BCRYPT_MAX_BYTES = 72


def password_problems(password: str, email: str | None = None) -> list[str]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"This password is too short. It must contain at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password.encode("utf-8")) > BCRYPT_MAX_BYTES:
        problems.append(f"This password is too long. It must be at most {BCRYPT_MAX_BYTES} bytes.")
    if "\x00" in password:
        problems.append("This password contains a NUL character.")
    if email and password.strip().lower() == email.strip().lower():
        problems.append("The password must not be the same as the email address.")
    return problems


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
