"""The integration fixtures with AWS at LocalStack and a real PostgreSQL and Redis.

Run by `make test-localstack`, which starts LocalStack when it is not running and sets
LOCALSTACK_ENDPOINT, TEST_DATABASE_URL and TEST_REDIS_URL. Every run provisions its own
buckets and queues (names carry a run id), so a developer's `make dev-localstack` on the
same LocalStack is left alone.
"""
from __future__ import annotations

import json
import os
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import TEST_SECRET
from tests.integration.conftest import (  # noqa: F401 - fixtures reused as they are
    TEST_DATABASE_URL, TEST_REDIS_URL, Mailbox, client, database_url, gateway, logged_in_client,
    mail_binding, make_client, register_user, services, staff_client, user_client,
)
from tests.integration.videos.conftest import clip_factory, transcode_binding, upload_video  # noqa: F401
from videoflix.adapters.aws import aws_client, clear_client_cache
from videoflix.settings import Settings
from videoflix_tools.bootstrap import bootstrap_aws
from videoflix_tools.dev.emails import localstack_sent_emails
from videoflix_tools.dev.pump import QueuePump

LOCALSTACK_ENDPOINT = os.environ.get("LOCALSTACK_ENDPOINT", "http://127.0.0.1:4566").rstrip("/")
# LocalStack verifies presigned URLs (S3_SKIP_SIGNATURE_VALIDATION=0) with its own secret key, `test`,
# whatever the access key: a URL signed with the other suites' `testing` secret is refused (403).
LOCALSTACK_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}
os.environ.update(LOCALSTACK_CREDENTIALS)
RUN_ID = uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def localstack_endpoint() -> str:
    try:
        with urllib.request.urlopen(f"{LOCALSTACK_ENDPOINT}/_localstack/health", timeout=5) as answer:
            health = json.load(answer)
    except OSError as exc:
        pytest.fail(f"LocalStack does not answer at {LOCALSTACK_ENDPOINT} ({exc}); "
                    "`make test-localstack` starts it", pytrace=False)
    missing = [s for s in ("s3", "sqs", "ses") if health.get("services", {}).get(s) not in {"available", "running"}]
    assert not missing, f"LocalStack lacks {missing}: {health}"
    if not (TEST_DATABASE_URL.startswith("postgres") and TEST_REDIS_URL):
        pytest.fail("this suite runs on a real PostgreSQL and Redis: set TEST_DATABASE_URL and "
                    "TEST_REDIS_URL (`make test-localstack` does)", pytrace=False)
    return LOCALSTACK_ENDPOINT


@pytest.fixture(scope="session")
def localstack_settings(localstack_endpoint, database_url) -> Settings:
    return Settings(
        environment="test", secret_key=TEST_SECRET, bcrypt_rounds=4, cookie_secure=False,
        database_url=database_url, redis_url=TEST_REDIS_URL, aws_endpoint_url=localstack_endpoint,
        api_base_url="http://testserver", mail_sender=f"noreply-{RUN_ID}@videoflix.local",
        upload_bucket=f"vf-test-{RUN_ID}-uploads", media_bucket=f"vf-test-{RUN_ID}-media",
        mail_queue_name=f"vf-test-{RUN_ID}-mail", transcode_queue_name=f"vf-test-{RUN_ID}-transcode",
        event_bus_name=f"vf-test-{RUN_ID}-events",
        av1_ladder=False)  # the AV1 ladder's tests run on moto (tests/integration/videos/test_av1_ladder.py)


@pytest.fixture(scope="session")
def provisioned(localstack_settings):
    """`videoflix bootstrap`'s provisioning, once per run; the run's buckets and queues go at the end."""
    clear_client_cache()
    resources = bootstrap_aws(localstack_settings)
    yield resources
    _remove_resources(localstack_settings, resources)


def _remove_resources(settings: Settings, resources: dict[str, str]) -> None:
    s3, sqs = aws_client("s3", settings), aws_client("sqs", settings)
    for bucket in (settings.upload_bucket, settings.media_bucket):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys})
        for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        s3.delete_bucket(Bucket=bucket)
    for url in (resources["mail_queue"], resources["transcode_queue"]):
        sqs.delete_queue(QueueUrl=url)
        sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=url.rsplit("/", 1)[-1] + "-dlq")["QueueUrl"])


@pytest.fixture
def settings(localstack_settings) -> Settings:
    return localstack_settings


@pytest.fixture
def aws(provisioned, settings):
    """Each test starts with empty queues (S3's test events and earlier tests' jobs removed)."""
    sqs = aws_client("sqs", settings)
    for url in (provisioned["mail_queue"], provisioned["transcode_queue"]):
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                              VisibilityTimeout=30).get("Messages", []):
            sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    return provisioned


@dataclass
class LocalStackMailbox(Mailbox):
    """The integration Mailbox, reading what LocalStack's SES 'sent' from GET /_aws/ses."""

    endpoint: str = LOCALSTACK_ENDPOINT

    def emails(self) -> list[dict[str, Any]]:
        return localstack_sent_emails(self.endpoint)


@pytest.fixture
def mailbox(services, mail_binding):
    sqs = aws_client("sqs", services.settings)
    return LocalStackMailbox(QueuePump(sqs, [mail_binding], services.settings.aws_region), mail_binding,
                             services.settings.aws_region, services.settings.aws_endpoint_url)


@pytest.fixture
def unique_email():
    """Addresses of this run only: LocalStack keeps every email it was asked to send."""
    return lambda name: f"{name}-{RUN_ID}@example.com"
