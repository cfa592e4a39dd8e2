"""Fixtures for the hardening suites: the video fixtures reused as they are, and shortcuts."""
from __future__ import annotations

import json

import pytest

from tests.integration.videos.conftest import (  # noqa: F401 - fixtures reused as they are
    clip_factory, ffmpeg_runs, settings, transcode_binding, transcode_queue_messages, transcoder,
    upload_video)
from tests.support.videos import set_video, video_row  # noqa: F401 - used by the hardening tests
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import User

VIEWER, VIEWER_PASSWORD = "viewer@example.com", "correct-horse-9"
SEGMENT = "segment_00000.ts"


def json_error(answer, status: int, field: str | None = None) -> dict:
    """The answer has exactly `status`, a JSON object body, and no framework or traceback text."""
    assert answer.status == status, (answer.status, answer.text)
    assert (answer.header("Content-Type") or "").startswith("application/json"), answer.headers
    body = answer.json
    assert isinstance(body, dict) and body, answer.text
    if field is not None:
        assert isinstance(body.get(field), list) and all(isinstance(m, str) for m in body[field]), body
    elif status >= 400:
        assert isinstance(body.get("detail"), str), body
    assert "Traceback" not in answer.text and "Code" not in body
    return body


@pytest.fixture
def viewer(services):
    """An active normal user made straight in the database (no mail round trip): its User row."""
    from videoflix.auth.service import create_user

    return create_user(services, VIEWER, VIEWER_PASSWORD)


@pytest.fixture
def viewer_client(viewer, make_client):
    """A client logged in as the viewer through the API."""
    client = make_client()
    assert client.post("/api/login/", {"email": VIEWER, "password": VIEWER_PASSWORD}).status == 200
    return client


@pytest.fixture
def stored_ready_video(ready_film):
    """A `ready` 480p film of one 4 s segment, playlists and segment in the media bucket (the shared
    `ready_film`): the catalog's routes only read the row and these, so no transcode is needed."""
    return ready_film(title="Stored", rungs=("480p",), segments=1, segment_seconds=4.0, duration=4.0,
                      segment_bytes=b"\x47" * 188)


def user_row(services, email: str = VIEWER) -> User:
    from sqlalchemy import select

    with services.db.session() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        session.expunge(user)
        return user


def queue_bodies(services, queue_name: str) -> list[dict | str]:
    """What a queue holds now (read without hiding it), bodies parsed when they are JSON."""
    sqs = aws_client("sqs", services.settings)
    answer = sqs.receive_message(QueueUrl=queue_url(services.settings, queue_name), MaxNumberOfMessages=10,
                                 VisibilityTimeout=0)
    bodies = []
    for message in answer.get("Messages", []):
        try:
            bodies.append(json.loads(message["Body"]))
        except ValueError:
            bodies.append(message["Body"])
    return bodies


def media_keys(services, video_id: int) -> list[str]:
    s3 = aws_client("s3", services.settings)
    answer = s3.list_objects_v2(Bucket=services.settings.media_bucket, Prefix=f"videos/{video_id}/")
    return sorted(item["Key"] for item in answer.get("Contents", []))


def put_media(services, key: str, body: bytes = b"\x47" * 188) -> None:
    aws_client("s3", services.settings).put_object(Bucket=services.settings.media_bucket, Key=key, Body=body)






def only_message(services, queue_name: str, body: dict | str) -> None:
    """Empty the queue and put `body` back alone (moto adds an `ObjectCreated:Put` to each upload)."""
    sqs = aws_client("sqs", services.settings)
    url = queue_url(services.settings, queue_name)
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody=body if isinstance(body, str) else json.dumps(body))
