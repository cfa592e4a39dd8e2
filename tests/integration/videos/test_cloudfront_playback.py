"""PLAYBACK_SIGNER=cloudfront through the catalog function: every segment of the master's renditions is a
CloudFront URL signed by the key in (moto's) Secrets Manager, verified with the public key."""
from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest

from videoflix.adapters.aws import aws_client
from videoflix.viewer import catalog as catalog_module
from videoflix.domain.hls import segment_names
from videoflix_tools.cli.cloudfront_keys import generate_key_pair
from videoflix_tools.testing.cloudfront import verify_cloudfront_url

from tests.integration.conftest import TEST_REDIS_URL

pytestmark = pytest.mark.integration

DOMAIN, KEY_ID, SECRET = "d111111abcdef8.cloudfront.net", "K2JCJMDEHXQW5F", "videoflix-test/cloudfront-private-key"
VIEWER, PASSWORD = "cdn-viewer@example.com", "correct-horse-9"
RUNGS = ("480p", "720p")
SEGMENTS = 4


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    return generate_key_pair()


@pytest.fixture
def settings(make_settings, moto_endpoint, database_url):
    return make_settings(database_url=database_url, redis_url=TEST_REDIS_URL, aws_endpoint_url=moto_endpoint,
                         api_base_url="http://testserver", playback_signer="cloudfront",
                         cloudfront_domain=DOMAIN, cloudfront_key_pair_id=KEY_ID,
                         cloudfront_private_key_secret=SECRET)


@pytest.fixture
def signing_key(services, key_pair) -> str:
    """The private key stored as `videoflix cloudfront-keygen` says; returns the public key."""
    private, public = key_pair
    aws_client("secretsmanager", services.settings).create_secret(Name=SECRET, SecretString=private)
    return public


@pytest.fixture
def ready_film(ready_film) -> tuple[int, float]:
    """The shared ready film, two rungs of SEGMENTS segments; returns (id, duration)."""
    duration = SEGMENTS * 6.0
    return ready_film(title="Edge", rungs=RUNGS, segments=SEGMENTS, duration=duration), duration


@pytest.fixture
def viewer(services, make_client):
    from videoflix.auth.service import create_user

    create_user(services, VIEWER, PASSWORD)
    client = make_client()
    assert client.post("/api/login/", {"email": VIEWER, "password": PASSWORD}).status == 200
    return client


def test_every_segment_of_every_rendition_is_a_cloudfront_url_signed_for_the_film(
        services, viewer, ready_film, signing_key, monkeypatch):
    video_id, duration = ready_film
    before = time.time()
    # The renditions asked for within one second share the film's one signature; the catalog's clock
    # is held there, so that the playlists' requests (and the checks between them) cannot straddle a
    # second and sign two expiries, as they did now and then on a loaded machine.
    monkeypatch.setattr(catalog_module, "time", SimpleNamespace(time=lambda: before))
    master = viewer.get(f"/api/video/{video_id}/master.m3u8")
    assert master.status == 200
    renditions = segment_names(master.text)
    assert renditions == [f"http://testserver/api/video/{video_id}/{rung}/index.m3u8" for rung in RUNGS]
    queries = set()
    for rung, url in zip(RUNGS, renditions):
        playlist = viewer.get(url.removeprefix("http://testserver"))
        assert playlist.status == 200
        segments = segment_names(playlist.text)
        assert len(segments) == SEGMENTS
        for number, segment in enumerate(segments):
            verified = verify_cloudfront_url(segment, signing_key)
            assert verified.path == f"/videos/{video_id}/{rung}/segment_{number:05d}.ts"
            assert verified.resource == f"https://{DOMAIN}/videos/{video_id}/*"
            assert verified.key_pair_id == KEY_ID
            lifetime = duration + services.settings.segment_url_margin
            assert before + lifetime - 1 <= verified.expires_at <= time.time() + lifetime
            queries.add(segment.split("?", 1)[1])
    assert len(queries) == 1  # one signature for the whole film


def test_the_segment_route_redirects_to_the_signed_cloudfront_url(viewer, ready_film, signing_key):
    video_id, _ = ready_film
    answer = viewer.get(f"/api/video/{video_id}/720p/segment_00002.ts/")
    assert answer.status == 302
    verified = verify_cloudfront_url(answer.header("Location"), signing_key)
    assert verified.path == f"/videos/{video_id}/720p/segment_00002.ts"


def test_a_missing_signing_key_answers_503_not_500(viewer, ready_film):
    video_id, _ = ready_film
    answer = viewer.get(f"/api/video/{video_id}/480p/index.m3u8")
    assert answer.status == 503
    assert answer.json == {"detail": "Playback is unavailable. Try again shortly."}


def test_storyboard_and_subtitle_urls_are_signed_like_the_segments(services, viewer, staff_client, ready_film,
                                                                   signing_key):
    from videoflix.domain.storyboard import STORYBOARD_FILE, STORYBOARD_META, plan_storyboard

    video_id, duration = ready_film
    s3, bucket = aws_client("s3", services.settings), services.settings.media_bucket
    s3.put_object(Bucket=bucket, Key=f"videos/{video_id}/{STORYBOARD_META}",
                  Body=plan_storyboard(duration, 854, 480).to_json().encode())
    s3.put_object(Bucket=bucket, Key=f"videos/{video_id}/{STORYBOARD_FILE}", Body=b"\xff\xd8\xff\xd9")
    vtt = viewer.get(f"/api/video/{video_id}/storyboard.vtt")
    assert vtt.status == 200, vtt.text
    sprite = next(line for line in vtt.text.splitlines() if "#xywh=" in line)
    verified = verify_cloudfront_url(sprite.split("#", 1)[0], signing_key)
    assert verified.path == f"/videos/{video_id}/{STORYBOARD_FILE}"
    assert verified.resource == f"https://{DOMAIN}/videos/{video_id}/*"

    added = staff_client.post(f"/api/admin/videos/{video_id}/captions/",
                              {"lang": "de", "content": "WEBVTT\n\n00:01.000 --> 00:04.000\nHallo\n"})
    assert added.status == 201, added.text
    playlist = viewer.get(f"/api/video/{video_id}/subtitles/de/index.m3u8")
    assert playlist.status == 200, playlist.text
    [url] = segment_names(playlist.text)
    # The track's file is named by its text's digest (a corrected track gets a new name under the CDN).
    assert re.fullmatch(rf"/videos/{video_id}/captions/de\.[0-9a-f]{{16}}\.vtt", verify_cloudfront_url(url, signing_key).path)
