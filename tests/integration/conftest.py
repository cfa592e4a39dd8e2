"""Integration fixtures: moto over real HTTP, PostgreSQL and Redis when configured, the gateway."""
from __future__ import annotations

import os
import re
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import text

from videoflix.adapters.aws import aws_client
from videoflix.db.migrate import upgrade_database
from videoflix.db.models import Base
from videoflix.services import Services, use_services
from videoflix_tools.bootstrap import bootstrap_aws
from videoflix_tools.dev.emails import moto_sent_emails
from videoflix_tools.dev.pump import QueueBinding, QueuePump
from videoflix_tools.functions import load_handler
from videoflix_tools.testing import local_system
from videoflix_tools.testing.api_client import ApiClient
from videoflix_tools.testing.databases import fresh_database

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.fixture(scope="session")
def moto_endpoint():
    """One moto server for the session; each test starts from a reset, bootstrapped state."""
    with local_system.moto_endpoint() as url:
        yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db')}/videoflix.sqlite3"
    if TEST_DATABASE_URL:
        # Start from an empty database so the migrations themselves are exercised.
        fresh_database(url)
    upgrade_database(url)
    return url


@pytest.fixture
def settings(make_settings, moto_endpoint, database_url):
    return make_settings(database_url=database_url, redis_url=TEST_REDIS_URL,
                         aws_endpoint_url=moto_endpoint, api_base_url="http://testserver")


@pytest.fixture
def aws(settings, moto_endpoint):
    request = urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(request).close()
    # Clients and queue URLs stay valid across a reset (same endpoint, same names); building
    # clients anew is most of a test's set-up time.
    return bootstrap_aws(settings)


@pytest.fixture
def services(settings, aws):
    services = Services.from_settings(settings)
    with services.db.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        if connection.dialect.name == "postgresql":
            for table in Base.metadata.sorted_tables:
                connection.execute(text(f"ALTER SEQUENCE IF EXISTS {table.name}_id_seq RESTART WITH 1"))
        else:  # AUTOINCREMENT tables (migrations 0002, 0003) keep their highest id there
            connection.execute(text("DELETE FROM sqlite_sequence"))
    services.redis.flushdb()
    use_services(services)
    yield services
    use_services(None)


@pytest.fixture
def gateway(services):
    return local_system.api_gateway(services.settings)


@pytest.fixture
def client(gateway):
    return ApiClient(gateway)


@pytest.fixture
def make_client(gateway):
    def build(**kwargs) -> ApiClient:
        return ApiClient(gateway, **kwargs)
    return build


def _binding(settings, queue_name: str, handler) -> QueueBinding:
    # A short lease and redelivery at once: tests drain the queues, they never wait for them.
    return local_system.queue_binding(settings, queue_name, handler, visibility_timeout=30, retry_delay=0)


@dataclass
class Mailbox:
    """Delivers queued mail jobs through the mailer function and reads what SES sent."""

    pump: QueuePump
    binding: QueueBinding
    region: str

    def deliver(self) -> list[dict[str, Any]]:
        self.pump.drain(self.binding)
        return self.emails()

    def emails(self) -> list[dict[str, Any]]:
        return moto_sent_emails(self.region)

    def last_to(self, address: str) -> dict[str, Any]:
        matching = [m for m in self.deliver() if address in m["to"]]
        assert matching, f"no email was sent to {address}"
        return matching[-1]

    @staticmethod
    def link_params(email: dict[str, Any]) -> tuple[str, str, str]:
        """(page, uid, token) of the first Videoflix link in the email's text."""
        match = re.search(r"https?://\S+/pages/auth/(\w+\.html)\?uid=([\w-]+)&token=([\w-]+)", email["text"])
        assert match, f"no link in {email['text']!r}"
        return match.group(1), match.group(2), match.group(3)


@pytest.fixture
def mail_binding(services):
    return _binding(services.settings, services.settings.mail_queue_name, load_handler("mailer"))


@pytest.fixture
def mailbox(services, mail_binding):
    sqs = aws_client("sqs", services.settings)
    return Mailbox(QueuePump(sqs, [mail_binding], services.settings.aws_region), mail_binding,
                   services.settings.aws_region)


@pytest.fixture
def register_user(client, mailbox):
    """Register, activate through the emailed link, and return (email, password)."""
    def create(email: str = "viewer@example.com", password: str = "correct-horse-9") -> tuple[str, str]:
        answer = client.post("/api/register/", {"email": email, "password": password,
                                                "confirmed_password": password})
        assert answer.status == 201, answer.text
        _, uid, token = mailbox.link_params(mailbox.last_to(email.strip().lower()))
        assert client.get(f"/api/activate/{uid}/{token}/").status == 200
        return email, password
    return create


def _logged_in(make_client, email: str, password: str) -> ApiClient:
    client = make_client()
    answer = client.post("/api/login/", {"email": email, "password": password})
    assert answer.status == 200, answer.text
    return client


@pytest.fixture
def logged_in_client(make_client, register_user):
    def login(email: str = "viewer@example.com", password: str = "correct-horse-9") -> ApiClient:
        register_user(email, password)
        return _logged_in(make_client, email, password)
    return login


@pytest.fixture
def user_client(services, make_client):
    """A client logged in as an account made straight in the database (no mail round trip)."""
    def login(email: str, password: str, staff: bool = False) -> ApiClient:
        from videoflix.auth.service import create_user

        create_user(services, email, password, staff=staff)
        return _logged_in(make_client, email, password)
    return login


@pytest.fixture
def staff_client(user_client):
    return user_client("admin@example.com", "admin-password-1", staff=True)
