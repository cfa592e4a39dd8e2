"""The playback port's adapters (videoflix.domain.ports.Playback): where a viewer fetches a film's media.

The catalog asks `urls_for(video_id, valid_until)` and gets `PlaybackUrls`: `url("480p/x.ts")`
and `expires_at`, when those URLs stop working (never later than `valid_until`).

- `S3Playback` (PLAYBACK_SIGNER=s3, the default; `make dev`, LocalStack, moto): one presigned S3
  URL per object. They are signed with the function's credentials, so they live at most as long
  as those do (`Storage.presign_lifetime`): `expires_at` may come before `valid_until`.
- `CloudFrontPlayback` (PLAYBACK_SIGNER=cloudfront): one CloudFront custom policy on the film's
  prefix, signed once, valid until `valid_until` whatever the function's credentials
  (videoflix.adapters.cloudfront). The private key is read from Secrets Manager once per container,
  on the first playlist, never at import or cold start.
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Callable

from videoflix.adapters.aws import aws_client
from videoflix.adapters.cloudfront import sign_prefix
from videoflix.domain.media_layout import media_prefix
from videoflix.domain.ports import Playback, PlaybackUrls, Storage
from videoflix.errors import ServiceUnavailable
from videoflix.settings import Settings

log = logging.getLogger("videoflix.playback")


class PlaybackKeyUnavailable(ServiceUnavailable):
    default_detail = "Playback is unavailable. Try again shortly."


class PresignedUrls:
    """Per-object presigned S3 URLs under a film's prefix, all `expires_in` seconds long."""
    def __init__(self, storage: Storage, prefix: str, expires_in: int, expires_at: float) -> None:
        self.storage, self.prefix, self.expires_in, self.expires_at = storage, prefix, expires_in, expires_at

    def url(self, relative: str) -> str:
        return self.storage.presign_media(self.prefix + relative, self.expires_in)


class S3Playback:
    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.clock = clock

    def urls_for(self, video_id: int, valid_until: float) -> PlaybackUrls:
        now = self.clock()
        expires_in = self.storage.presign_lifetime(max(1, int(valid_until - now)))
        return PresignedUrls(self.storage, media_prefix(video_id), expires_in, now + expires_in)


def rsa_sha1_signer(private_key_pem: str) -> Callable[[bytes], bytes]:
    """RSA-SHA1 PKCS#1 v1.5 signing with a PEM private key (what CloudFront verifies)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = serialization.load_pem_private_key(private_key_pem.encode("utf-8"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the CloudFront signing key must be an RSA private key")
    return lambda message: key.sign(message, padding.PKCS1v15(), hashes.SHA1())


def secrets_manager_reader(settings: Settings) -> Callable[[str], str]:
    """Reads a secret's string from Secrets Manager (the client is made on first use)."""
    def read(secret_id: str) -> str:
        return aws_client("secretsmanager", settings).get_secret_value(SecretId=secret_id)["SecretString"]

    return read


class CloudFrontPlayback:
    def __init__(self, settings: Settings, read_secret: Callable[[str], str] | None = None) -> None:
        self.domain = settings.cloudfront_domain
        self.key_pair_id = settings.cloudfront_key_pair_id
        self.secret_id = settings.cloudfront_private_key_secret
        self.read_secret = read_secret or secrets_manager_reader(settings)

    @functools.cached_property
    def _sign(self) -> Callable[[bytes], bytes]:
        # Cached on success only: after a failed read the next request tries again.
        try:
            return rsa_sha1_signer(self.read_secret(self.secret_id))
        except Exception as exc:
            log.error("cannot load the CloudFront signing key from %s: %s", self.secret_id, exc)
            raise PlaybackKeyUnavailable() from exc

    def urls_for(self, video_id: int, valid_until: float) -> PlaybackUrls:
        return sign_prefix(self.domain, media_prefix(video_id), int(valid_until), self.key_pair_id, self._sign)


def playback_for(settings: Settings, storage: Storage) -> Playback:
    """The adapter PLAYBACK_SIGNER names (settings.py has checked that cloudfront is complete)."""
    if settings.playback_signer == "cloudfront":
        return CloudFrontPlayback(settings)
    return S3Playback(storage)
