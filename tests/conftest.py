"""Fixtures shared by every test layer."""
from __future__ import annotations

import logging
import os

import pytest

# boto3 must never find real credentials or reach real AWS from a test.
os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_SECURITY_TOKEN": "testing", "AWS_SESSION_TOKEN": "testing",
                   "AWS_DEFAULT_REGION": "eu-central-1"})
os.environ.pop("AWS_PROFILE", None)
# The embedded moto server logs every request; failures are easier to read without them.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

from videoflix.settings import Settings  # noqa: E402

TEST_SECRET = "test-secret-key-that-is-long-enough-for-every-hmac-0123456789abcdef"


@pytest.fixture
def make_settings(tmp_path):
    """Settings for a test: fast bcrypt, test secret, embedded defaults unless overridden."""
    def build(**overrides) -> Settings:
        values = dict(environment="test", secret_key=TEST_SECRET, bcrypt_rounds=4, cookie_secure=False,
                      database_url=f"sqlite:///{tmp_path}/videoflix.sqlite3", redis_url="",
                      av1_ladder=False)  # tests that check the AV1 ladder turn it on (CI time)
        values.update(overrides)
        return Settings(**values)
    return build


@pytest.fixture
def settings(make_settings) -> Settings:
    return make_settings()
