"""Signed playback: CloudFront prefix policies verified with the public key, and S3 URLs that never
outlive the credentials that sign them."""
from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from videoflix.errors import ServiceUnavailable
from videoflix.settings import SettingsError, load_settings
from videoflix.adapters.cloudfront import cloudfront_b64decode, cloudfront_b64encode, prefix_policy, sign_prefix
from videoflix.adapters.playback import (CloudFrontPlayback, PlaybackKeyUnavailable, S3Playback, playback_for,
                                       rsa_sha1_signer)
from videoflix.adapters.s3_storage import CREDENTIALS_MARGIN, S3Storage
from videoflix_tools.cli.cloudfront_keys import generate_key_pair
from videoflix_tools.testing.cloudfront import verify_cloudfront_url

DOMAIN, KEY_ID, SECRET = "d111111abcdef8.cloudfront.net", "K2JCJMDEHXQW5F", "videoflix/cloudfront-private-key"


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    return generate_key_pair()


def cloudfront_settings(make_settings, **changes):
    return make_settings(playback_signer="cloudfront", cloudfront_domain=DOMAIN, cloudfront_key_pair_id=KEY_ID,
                         cloudfront_private_key_secret=SECRET, **changes)


# -- the pure part ---------------------------------------------------------------------------
def test_cloudfront_base64_swaps_the_three_unsafe_characters():
    data = bytes([0xfb, 0xff, 0xbf, 0xfe])  # standard base64: "+/+//g==" has all three
    assert base64.b64encode(data) == b"+/+//g=="
    assert cloudfront_b64encode(data) == "-~-~~g__"
    assert cloudfront_b64decode("-~-~~g__") == data


def test_the_policy_is_compact_json_on_the_prefix_until_the_expiry():
    policy = prefix_policy("https://d.example/videos/7/*", 1_900_000_000.9)
    assert policy == ('{"Statement":[{"Resource":"https://d.example/videos/7/*",'
                      '"Condition":{"DateLessThan":{"AWS:EpochTime":1900000000}}}]}')


def test_one_signature_covers_every_segment_of_the_film_and_verifies_with_the_public_key(key_pair):
    private, public = key_pair
    expires = int(time.time()) + 3600
    signed = sign_prefix(DOMAIN, "videos/7/", expires, KEY_ID, rsa_sha1_signer(private))
    urls = [signed.url(f"{rung}/segment_{n:05d}.ts") for rung in ("480p", "1080p", "audio") for n in range(3)]
    for url in urls:
        verified = verify_cloudfront_url(url, public)
        assert verified.resource == f"https://{DOMAIN}/videos/7/*"
        assert verified.expires_at == expires and verified.key_pair_id == KEY_ID
    assert urls[0] == f"https://{DOMAIN}/videos/7/480p/segment_00000.ts?{signed.query}"
    assert len({urlsplit(url).query for url in urls}) == 1  # one query string: one cache entry at the edge


def test_a_signature_made_with_another_key_or_for_another_film_is_refused(key_pair):
    from cryptography.exceptions import InvalidSignature

    private, public = key_pair
    other_private, _ = generate_key_pair()
    forged = sign_prefix(DOMAIN, "videos/7/", int(time.time()) + 60, KEY_ID, rsa_sha1_signer(other_private))
    with pytest.raises(InvalidSignature):
        verify_cloudfront_url(forged.url("480p/segment_00000.ts"), public)
    film_8 = sign_prefix(DOMAIN, "videos/8/", int(time.time()) + 60, KEY_ID, rsa_sha1_signer(private))
    stolen = film_8.url("480p/segment_00000.ts").replace("/videos/8/", "/videos/7/")
    with pytest.raises(AssertionError):  # the signature holds, but the policy covers film 8 only
        verify_cloudfront_url(stolen, public)


def test_the_query_is_what_botocores_cloudfront_signer_makes_of_the_same_policy(key_pair):
    from botocore.signers import CloudFrontSigner

    private, _ = key_pair
    sign = rsa_sha1_signer(private)
    expires = int(time.time()) + 7200
    ours = sign_prefix(DOMAIN, "videos/3/", expires, KEY_ID, sign).url("720p/segment_00004.ts")
    policy = prefix_policy(f"https://{DOMAIN}/videos/3/*", expires)
    theirs = CloudFrontSigner(KEY_ID, sign).generate_presigned_url(
        f"https://{DOMAIN}/videos/3/720p/segment_00004.ts", policy=policy)
    assert ours == theirs


# -- the CloudFront adapter ------------------------------------------------------------------
def test_the_private_key_is_read_once_on_first_use_never_when_built(make_settings, key_pair):
    private, public = key_pair
    reads: list[str] = []

    def read_secret(name: str) -> str:
        reads.append(name)
        return private

    playback = CloudFrontPlayback(cloudfront_settings(make_settings), read_secret)
    assert reads == []
    until = time.time() + 5000
    for video_id in (1, 2, 3):
        urls = playback.urls_for(video_id, until)
        verified = verify_cloudfront_url(urls.url("480p/segment_00000.ts"), public)
        assert verified.resource == f"https://{DOMAIN}/videos/{video_id}/*"
        assert urls.expires_at == verified.expires_at == int(until)
    assert reads == [SECRET]


def test_an_unreadable_key_is_a_503_and_is_read_again_on_the_next_request(make_settings, key_pair):
    answers = iter([RuntimeError("AccessDenied"), "not a pem", key_pair[0]])

    def read_secret(name: str) -> str:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    playback = CloudFrontPlayback(cloudfront_settings(make_settings), read_secret)
    for _ in range(2):
        with pytest.raises(PlaybackKeyUnavailable) as refused:
            playback.urls_for(1, time.time() + 60)
        assert isinstance(refused.value, ServiceUnavailable)  # the web edge's 503 with Retry-After
    verify_cloudfront_url(playback.urls_for(1, time.time() + 60).url("480p/s.ts"), key_pair[1])


def test_the_signer_is_chosen_by_the_setting(make_settings):
    storage = S3Storage(make_settings())
    assert isinstance(playback_for(make_settings(), storage), S3Playback)
    assert isinstance(playback_for(cloudfront_settings(make_settings), storage), CloudFrontPlayback)


# -- settings ----------------------------------------------------------------------------------
def test_cloudfront_playback_refuses_to_start_without_its_settings():
    with pytest.raises(SettingsError) as refused:
        load_settings({"PLAYBACK_SIGNER": "cloudfront"})
    message = str(refused.value)
    for name in ("CLOUDFRONT_DOMAIN", "CLOUDFRONT_KEY_PAIR_ID", "CLOUDFRONT_PRIVATE_KEY_SECRET"):
        assert name in message
    with pytest.raises(SettingsError, match="bare host name"):
        load_settings({"PLAYBACK_SIGNER": "cloudfront", "CLOUDFRONT_DOMAIN": f"https://{DOMAIN}/",
                       "CLOUDFRONT_KEY_PAIR_ID": KEY_ID, "CLOUDFRONT_PRIVATE_KEY_SECRET": SECRET})
    with pytest.raises(SettingsError, match="PLAYBACK_SIGNER must be s3 or cloudfront"):
        load_settings({"PLAYBACK_SIGNER": "akamai"})


def test_s3_is_the_default_and_cloudfront_starts_when_complete():
    assert load_settings({}).playback_signer == "s3"
    settings = load_settings({"PLAYBACK_SIGNER": "cloudfront", "CLOUDFRONT_DOMAIN": DOMAIN,
                              "CLOUDFRONT_KEY_PAIR_ID": KEY_ID, "CLOUDFRONT_PRIVATE_KEY_SECRET": SECRET})
    assert (settings.cloudfront_domain, settings.cloudfront_key_pair_id) == (DOMAIN, KEY_ID)


# -- S3 URLs end with their credentials --------------------------------------------------------
def s3_signer_client(credentials):
    """A public S3 client whose credentials are `credentials` (via botocore's provider chain)."""
    import boto3
    import botocore.session
    from botocore.credentials import CredentialProvider, CredentialResolver

    class Given(CredentialProvider):
        METHOD = "given"

        def load(self):
            return credentials

    core = botocore.session.Session()
    core.register_component("credential_provider", CredentialResolver([Given()]))
    from botocore.config import Config

    return boto3.session.Session(botocore_session=core).client(
        "s3", region_name="eu-central-1", config=Config(signature_version="s3v4"))


def refreshable(expires_in: float, refreshed_expiry_in: float | None = None):
    from botocore.credentials import RefreshableCredentials

    def metadata(seconds: float) -> dict:
        expiry = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        return {"access_key": "ASIAFAKEFAKEFAKE", "secret_key": "s" * 40, "token": "t" * 40,
                "expiry_time": expiry.isoformat()}

    refresh_to = refreshed_expiry_in if refreshed_expiry_in is not None else expires_in
    return RefreshableCredentials.create_from_metadata(metadata(expires_in), lambda: metadata(refresh_to), "fake")


def storage_signing_with(make_settings, credentials) -> S3Storage:
    storage = S3Storage(make_settings())
    storage.__dict__["_signer"] = s3_signer_client(credentials)
    return storage


def amz_expires(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["X-Amz-Expires"][0])


def test_presigned_urls_end_before_refreshable_credentials_expire(make_settings):
    storage = storage_signing_with(make_settings, refreshable(expires_in=20 * 60))  # no refresh yet (15 min)
    limit = 20 * 60 - CREDENTIALS_MARGIN
    assert limit - 5 <= amz_expires(storage.presign_media("videos/1/480p/a.ts", 4 * 3600)) <= limit
    assert amz_expires(storage.presign_media("videos/1/poster.jpg", 300)) == 300  # shorter: left alone
    urls = S3Playback(storage).urls_for(1, time.time() + 4 * 3600)
    assert limit - 5 <= urls.expires_at - time.time() <= limit
    assert amz_expires(urls.url("480p/segment_00000.ts")) == urls.expires_in


def test_credentials_about_to_expire_are_refreshed_first_and_the_new_expiry_counts(make_settings):
    # 5 minutes left: botocore refreshes them before signing (to one more hour here).
    storage = storage_signing_with(make_settings, refreshable(expires_in=5 * 60, refreshed_expiry_in=3600))
    lifetime = storage.presign_lifetime(4 * 3600)
    assert 3600 - CREDENTIALS_MARGIN - 5 <= lifetime <= 3600 - CREDENTIALS_MARGIN


def test_static_credentials_leave_the_lifetime_alone(make_settings):
    from botocore.credentials import Credentials

    storage = storage_signing_with(make_settings, Credentials("AKIAFAKE", "s" * 40))
    assert amz_expires(storage.presign_media("videos/1/480p/a.ts", 4 * 3600)) == 4 * 3600


def test_the_playlist_cache_never_outlives_the_urls_inside(make_settings):
    from videoflix.viewer.catalog import Catalog
    from videoflix_tools.testing.memory import memory_services

    services = memory_services(settings=make_settings())
    catalog = Catalog(services)
    assert catalog._playlist_cache_ttl(4 * 3600) == 900  # PLAYLIST_CACHE_TTL
    assert catalog._playlist_cache_ttl(20 * 60 - CREDENTIALS_MARGIN) == (20 * 60 - CREDENTIALS_MARGIN) // 2
    assert catalog._playlist_cache_ttl(0) == 1
