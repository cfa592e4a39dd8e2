"""boto3 clients built from settings (the only module that creates them), imported lazily."""
from __future__ import annotations

import functools
from typing import Any

from videoflix.settings import Settings


# Every client made, by the arguments that made it: close_clients() closes them all.
_made: dict[tuple[str, str, str, str], Any] = {}


@functools.lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint_url: str, signature: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(signature_version=signature or None, retries={"max_attempts": 3, "mode": "standard"},
                    s3={"addressing_style": "path"} if endpoint_url else None)
    client = boto3.session.Session().client(service, region_name=region,
                                            endpoint_url=endpoint_url or None, config=config)
    _made[(service, region, endpoint_url, signature)] = client
    return client


def aws_client(service: str, settings: Settings) -> Any:
    signature = "s3v4" if service == "s3" else ""
    return _client(service, settings.aws_region, settings.aws_endpoint_url, signature)


def public_s3_client(settings: Settings) -> Any:
    """S3 client for presigning URLs that a browser or the CLI will use (the signature covers Host)."""
    endpoint = settings.aws_public_endpoint_url or settings.aws_endpoint_url
    return _client("s3", settings.aws_region, endpoint, "s3v4")


def credentials_expiry(client: Any) -> float | None:
    """When the credentials that sign `client`'s requests and presigned URLs expire (epoch seconds), or
    None when boto3 knows no expiry (static keys, or temporary keys given in the environment)."""
    credentials = getattr(getattr(client, "_request_signer", None), "_credentials", None)
    if credentials is None or getattr(credentials, "_expiry_time", None) is None:
        return None
    credentials.get_frozen_credentials()  # refreshes them first if they are about to expire
    return credentials._expiry_time.timestamp()


def queue_url(settings: Settings, queue_name: str) -> str:
    return _queue_url(settings.aws_region, settings.aws_endpoint_url, queue_name)


@functools.lru_cache(maxsize=16)
def _queue_url(region: str, endpoint_url: str, queue_name: str) -> str:
    return _client("sqs", region, endpoint_url, "").get_queue_url(QueueName=queue_name)["QueueUrl"]


def clear_client_cache() -> None:
    _client.cache_clear()
    _queue_url.cache_clear()
    _made.clear()


def close_clients() -> None:
    """Close every client made so far (its connection pool) and forget them, with their credentials and
    the queue URLs they looked up: the next aws_client() makes a new one (videoflix.snapstart)."""
    clients = list(_made.values())
    clear_client_cache()
    for client in clients:
        client.close()
