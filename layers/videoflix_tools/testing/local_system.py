"""Assembling a whole Videoflix on one machine: the pieces `make dev`, the integration tests and the benches share.

An AWS endpoint (moto over real HTTP), the database migrated and the AWS resources
provisioned, the API functions behind the local API Gateway, and queues bound to handlers
for the pump. Each user takes what it needs: the dev stack serves them, the tests reset
them between tests, the benches time requests through them.
"""
from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.migrate import upgrade_database
from videoflix.services import Services, use_services
from videoflix.settings import Settings
from videoflix_tools.bootstrap import bootstrap_aws
from videoflix_tools.dev.gateway import LocalApiGateway
from videoflix_tools.dev.moto_server import start_moto_server
from videoflix_tools.dev.pump import QueueBinding
from videoflix_tools.functions import API_FUNCTIONS, load_handler


@contextmanager
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port, as the URL to give AWS_ENDPOINT_URL; stopped afterwards.

    The dev stack's server without its CORS rewriting: presigned writes have their signatures
    checked (videoflix_tools.dev.s3_presigned), as S3 checks them.
    """
    url, stop = start_moto_server("127.0.0.1", 0, None)
    try:
        yield url
    finally:
        stop()


def provision(settings: Settings) -> Services:
    """Migrate the database, create the queues and buckets, and make the services the functions' own."""
    upgrade_database(settings.database_url)
    bootstrap_aws(settings)
    services = Services.from_settings(settings)
    use_services(services)
    return services


def api_gateway(settings: Settings) -> LocalApiGateway:
    """The auth, catalog and admin functions behind one local API Gateway."""
    return LocalApiGateway([load_handler(name) for name in API_FUNCTIONS], cors_origins=settings.cors_allowed_origins)


def queue_binding(settings: Settings, queue_name: str, handler: Callable[[dict, Any], Any],
                  **options: Any) -> QueueBinding:
    """The pump's binding of a queue to a handler; the event names the queue by ARN, as Lambda's does."""
    url = queue_url(settings, queue_name)
    attributes = aws_client("sqs", settings).get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return QueueBinding(url, attributes["Attributes"]["QueueArn"], handler, **options)


# The dev stack's embedded AWS endpoint in a process of its own (moto's state is per process): it
# prints its URL, serves until its standard input closes, then stops as `make dev` stops it.
EMBEDDED_AWS_PROCESS = """
import sys
from videoflix_tools.dev.moto_server import start_moto_server
url, stop = start_moto_server("127.0.0.1", 0, [], s3_folder=sys.argv[1] if len(sys.argv) > 1 else None)
print(url, flush=True)
sys.stdin.read()
stop()
"""


@contextmanager
def embedded_aws_process(s3_folder: str | os.PathLike | None = None) -> Iterator[str]:
    """One run of the embedded endpoint (its S3 on `s3_folder` when given); yields its URL."""
    arguments = [str(s3_folder)] if s3_folder is not None else []
    process = subprocess.Popen([sys.executable, "-c", EMBEDDED_AWS_PROCESS, *arguments], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), f"the endpoint did not start (exit {process.poll()})"
        yield url
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
