"""The API as the common static Videoflix frontend uses it, unmodified.

That frontend is served from http://127.0.0.1:5500 and calls `fetch(..., {credentials:
'include'})` with `Content-Type: application/json` even on GET (so every GET is preflighted),
shows `result.message` after activation, reads a `csrftoken` cookie before logging out,
refreshes the token every 20 minutes, and plays with hls.js with `xhr.withCredentials = true`
on every request, segments included.

moto 5 alone fails that last point: it never sends `Access-Control-Allow-Credentials`, which
S3 and LocalStack send for an origin a bucket rule names, and its server echoes any origin
(flask-cors). The dev stack's AWS endpoint answers as S3 does (videoflix_tools.dev.moto_server), so
these tests run against that endpoint.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from videoflix.settings import Settings, read_dotenv
from videoflix_tools.testing.api_client import FRONTEND_ORIGIN

pytestmark = pytest.mark.integration

ORIGIN = FRONTEND_ORIGIN
ENV_TEMPLATE = Path(__file__).resolve().parents[2] / ".env.template"
REFRESH_TIMER_SECONDS = 20 * 60
SEGMENT = b"\x47" + bytes(187)  # one MPEG-TS packet
MASTER = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n"
          "#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=854x480\n480p/index.m3u8\n")
RENDITION = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n"
             "#EXTINF:6.0,\nsegment_00000.ts\n#EXT-X-ENDLIST\n")
# Every call the frontend makes; path parameters need not be valid for a preflight.
FRONTEND_CALLS = [
    ("POST", "/api/register/"), ("GET", "/api/activate/MQ/some-token/"), ("POST", "/api/login/"),
    ("POST", "/api/logout/"), ("POST", "/api/token/refresh/"), ("POST", "/api/password_reset/"),
    ("POST", "/api/password_confirm/MQ/some-token/"), ("GET", "/api/video/"),
    ("GET", "/api/video/1/master.m3u8"), ("GET", "/api/video/1/480p/index.m3u8"),
]


@pytest.fixture(scope="module")
def moto_endpoint():
    """The embedded AWS endpoint exactly as `make dev` serves it."""
    from videoflix_tools.dev.moto_server import start_moto_server

    url, stop = start_moto_server("127.0.0.1", 0, Settings().cors_allowed_origins)
    yield url
    stop()


@pytest.fixture
def published_video(ready_film) -> int:
    """A ready video with a tiny HLS ladder in the media bucket (the pipeline has its own tests)."""
    return ready_film(title="Compat film", description="For the frontend", rungs=("480p",), segments=1,
                      duration=6.0, size=len(SEGMENT), master=MASTER, playlist=RENDITION, segment_bytes=SEGMENT,
                      thumbnail=b"\xff\xd8\xff\xe0fake-jpeg")


def header_set(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


def assert_cors_with_credentials(answer, what: str) -> None:
    assert answer.header("Access-Control-Allow-Origin") == ORIGIN, what
    assert answer.header("Access-Control-Allow-Credentials") == "true", what


@pytest.mark.parametrize(("method", "path"), FRONTEND_CALLS)
def test_preflight_allows_the_frontend_origin_with_credentials(client, method, path):
    answer = client.request("OPTIONS", path, headers={
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type,x-csrftoken"})
    assert answer.status == 200
    assert_cors_with_credentials(answer, path)
    assert method.lower() in header_set(answer.header("Access-Control-Allow-Methods"))
    assert {"content-type", "x-csrftoken"} <= header_set(answer.header("Access-Control-Allow-Headers"))
    assert isinstance(answer.json, dict)


def test_preflight_refuses_other_origins(make_client):
    answer = make_client(origin="http://127.0.0.1:5501").request("OPTIONS", "/api/video/", headers={
        "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"})
    assert answer.header("Access-Control-Allow-Origin") is None
    assert answer.header("Access-Control-Allow-Credentials") is None


def test_every_answer_of_a_frontend_session_is_json_with_cors(client, mailbox, published_video):
    """Success and error alike; playlists are HLS text, but their errors are JSON too."""
    answers = []

    def call(method: str, path: str, body=None):
        # The frontend's fetch: JSON content type on every request, GET included.
        answer = client.request(method, path, body, headers={"Content-Type": "application/json"})
        answers.append((f"{method} {path} -> {answer.status}", answer))
        return answer

    email, password = "compat@example.com", "compat-pass-12"
    assert call("POST", "/api/register/", {"email": email, "password": password,
                                           "confirmed_password": "other-pass-12"}).status == 400
    assert call("POST", "/api/register/", {"email": email, "password": password,
                                           "confirmed_password": password}).status == 201
    _, uid, token = mailbox.link_params(mailbox.last_to(email))
    assert call("GET", f"/api/activate/{uid}/not-the-token/").status == 400
    assert call("GET", f"/api/activate/{uid}/{token}/").status == 200
    assert call("POST", "/api/login/", {"email": email, "password": "wrong-password"}).status in (400, 401)
    assert call("GET", "/api/video/").status == 401
    assert call("POST", "/api/login/", {"email": email, "password": password}).status == 200
    assert call("GET", "/api/video/").status == 200
    assert call("GET", "/api/video/999/master.m3u8").status == 404
    assert call("GET", f"/api/video/{published_video}/1080p/index.m3u8").status == 404
    assert call("POST", "/api/token/refresh/").status == 200
    assert call("POST", "/api/password_reset/", {"email": email}).status == 200
    assert call("POST", f"/api/password_confirm/{uid}/bad-token/", {
        "new_password": "x-new-pass-12", "confirm_password": "x-new-pass-12"}).status == 400
    assert call("POST", "/api/logout/").status == 200
    assert call("POST", "/api/token/refresh/").status in (400, 401)
    assert call("POST", "/api/logout/").status in (400, 401)
    assert call("GET", "/api/no-such-thing/").status == 404
    assert call("PUT", "/api/login/", {}).status == 405

    for what, answer in answers:
        assert answer.header("Content-Type").startswith("application/json"), what
        assert isinstance(json.loads(answer.body), (dict, list)), what
        assert_cors_with_credentials(answer, what)


def test_activation_answers_message(client, mailbox):
    client.post("/api/register/", {"email": "new@example.com", "password": "new-pass-123",
                                   "confirmed_password": "new-pass-123"})
    _, uid, token = mailbox.link_params(mailbox.last_to("new@example.com"))
    answer = client.get(f"/api/activate/{uid}/{token}/")
    assert answer.status == 200
    assert answer.json == {"message": "Account successfully activated."}


def cookie_attributes(set_cookie: str) -> dict[str, str]:
    parts = [part.strip() for part in set_cookie.split(";")]
    return {part.split("=", 1)[0].lower(): part.split("=", 1)[1] if "=" in part else "" for part in parts[1:]}


def test_login_leaves_a_csrftoken_cookie_the_page_can_read(register_user, make_client):
    email, password = register_user("csrf@example.com")
    answer = make_client().post("/api/login/", {"email": email, "password": password})
    cookies = answer.set_cookies()
    csrf = cookie_attributes(cookies["csrftoken"])
    assert "httponly" not in csrf and cookies["csrftoken"].split(";")[0] != "csrftoken="
    assert csrf["path"] == "/"
    for name in ("access_token", "refresh_token"):
        assert "httponly" in cookie_attributes(cookies[name]), name
        assert cookie_attributes(cookies[name])["samesite"].lower() == "lax", name


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_access_tokens_outlive_the_frontend_refresh_timer(register_user, make_client):
    assert Settings().access_token_lifetime > REFRESH_TIMER_SECONDS
    assert int(read_dotenv(str(ENV_TEMPLATE))["ACCESS_TOKEN_LIFETIME"]) > REFRESH_TIMER_SECONDS
    email, password = register_user("timer@example.com")
    viewer = make_client()
    answer = viewer.post("/api/login/", {"email": email, "password": password})
    assert int(cookie_attributes(answer.set_cookies()["access_token"])["max-age"]) > REFRESH_TIMER_SECONDS
    claims = jwt_claims(viewer.cookies["access_token"])
    assert claims["exp"] - claims["iat"] > REFRESH_TIMER_SECONDS
    refreshed = viewer.post("/api/token/refresh/").json["access"]
    assert jwt_claims(refreshed)["exp"] - jwt_claims(refreshed)["iat"] > REFRESH_TIMER_SECONDS


def test_video_list_has_the_six_fields_the_frontend_shows(logged_in_client, published_video):
    answer = logged_in_client().get("/api/video/", headers={"Content-Type": "application/json"})
    [entry] = answer.json
    assert set(entry) == {"id", "created_at", "title", "description", "thumbnail_url", "category"}
    assert entry["id"] == published_video
    assert entry["category"] == "Drama"
    thumbnail = urlparse(entry["thumbnail_url"])
    assert thumbnail.scheme in {"http", "https"} and thumbnail.netloc
    assert requests.get(entry["thumbnail_url"], timeout=10).status_code == 200


def test_presigned_segments_answer_cors_with_credentials(logged_in_client, published_video, settings):
    """hls.js with withCredentials sends the segment requests credentialed, so S3 must allow it."""
    viewer = logged_in_client()
    master = viewer.get(f"/api/video/{published_video}/master.m3u8")  # hls.js: a simple GET
    assert_cors_with_credentials(master, "master playlist")
    rendition_url = [line for line in master.text.splitlines() if line and not line.startswith("#")][0]
    assert rendition_url == f"{settings.api_base_url}/api/video/{published_video}/480p/index.m3u8"
    rendition = viewer.get(urlparse(rendition_url).path)
    assert_cors_with_credentials(rendition, "rendition playlist")
    segment_url = [line for line in rendition.text.splitlines() if line and not line.startswith("#")][0]
    assert segment_url.startswith(settings.aws_endpoint_url)

    preflight = requests.options(segment_url, timeout=10, headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "range"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]

    segment = requests.get(segment_url, headers={"Origin": ORIGIN}, timeout=10)
    assert segment.status_code == 200 and segment.content == SEGMENT
    assert segment.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert segment.headers["Access-Control-Allow-Credentials"] == "true"

    other = requests.get(segment_url, headers={"Origin": "http://127.0.0.1:5501"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Access-Control-Allow-Credentials" not in other.headers
