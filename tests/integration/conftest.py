"""Integration fixtures: moto over real HTTP, PostgreSQL and Redis when configured, the gateway."""
from __future__ import annotations

import math
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


# ---------------------------------------------------------------- ready films, set up directly
# (the film transcoded for real from an FFmpeg clip is tests/integration/videos/test_pipeline.py's own)
RUNG_SIZES = {"480p": (854, 480), "720p": (1280, 720), "1080p": (1920, 1080)}
PLAYLIST_TYPE = "application/vnd.apple.mpegurl"


def master_playlist(rungs: tuple[str, ...]) -> str:
    """A master playlist naming `rungs` (800 kb/s for the first, 1600 for the second, ...)."""
    return "#EXTM3U\n#EXT-X-VERSION:6\n" + "".join(
        f"#EXT-X-STREAM-INF:BANDWIDTH={800000 * (i + 1)},RESOLUTION={'x'.join(map(str, RUNG_SIZES[rung]))}\n"
        f"{rung}/index.m3u8\n" for i, rung in enumerate(rungs))


def rung_playlist(segments: int, seconds: float) -> str:
    return (f"#EXTM3U\n#EXT-X-TARGETDURATION:{math.ceil(seconds)}\n"
            + "".join(f"#EXTINF:{seconds:.1f},\nsegment_{n:05d}.ts\n" for n in range(segments)) + "#EXT-X-ENDLIST\n")


@pytest.fixture
def ready_row(services):
    """A ready film's row alone (12 s, 480p, transcoded once, published; nothing in the media bucket):
    for what reads only the row. Keywords are columns; returns its id."""
    from videoflix_tools.testing.factories import insert_ready_video

    def make(**columns) -> int:
        return insert_ready_video(services, **columns)
    return make


@pytest.fixture
def ready_film(services):
    """A ready, published film: its row and its HLS playlists in the media bucket (no transcode).

    `rungs` with `segments` segments of `segment_seconds` each; `master` / `playlist` replace the
    generated playlists; `segment_bytes` stores each segment too, `thumbnail` a poster (named in the
    row); other keywords are columns. Films made one after another are created in that order
    (`age_minutes` makes one older). Returns its id.
    """
    from datetime import timedelta

    from videoflix.db.models import utcnow
    from videoflix_tools.testing.factories import insert_video

    s3, bucket = aws_client("s3", services.settings), services.settings.media_bucket
    made: list[int] = []

    def make(title: str = "Film", category: str = "Drama", description: str = "", duration: float = 100.0,
             rungs: tuple[str, ...] = ("480p", "720p"), segments: int = 2, segment_seconds: float = 6.0,
             master: str | None = None, playlist: str | None = None, segment_bytes: bytes | None = None,
             thumbnail: bytes | None = None, age_minutes: int = 0, status: str = "ready", **columns) -> int:
        width, height = RUNG_SIZES[rungs[-1]]
        values = dict(title=title, category=category, description=description, duration=duration,
                      renditions=list(rungs), progress=100, width=width, height=height, attempts=1, size=1000,
                      ready_at=utcnow() if status == "ready" else None,
                      created_at=utcnow() - timedelta(minutes=age_minutes) + timedelta(seconds=len(made)))
        video_id = insert_video(services, status, **{**values, **columns})
        prefix = f"videos/{video_id}/"
        objects = [("master.m3u8", (master or master_playlist(rungs)).encode(), PLAYLIST_TYPE)]
        for rung in rungs:
            objects.append((f"{rung}/index.m3u8", (playlist or rung_playlist(segments, segment_seconds)).encode(),
                            PLAYLIST_TYPE))
            if segment_bytes is not None:
                objects += [(f"{rung}/segment_{n:05d}.ts", segment_bytes, "video/MP2T") for n in range(segments)]
        if thumbnail is not None:
            objects.append(("thumbnail.jpg", thumbnail, "image/jpeg"))
            from tests.support.videos import set_video

            set_video(services, video_id, thumbnail_key=prefix + "thumbnail.jpg")
        for key, body, content_type in objects:
            s3.put_object(Bucket=bucket, Key=prefix + key, Body=body, ContentType=content_type)
        made.append(video_id)
        return video_id
    return make
