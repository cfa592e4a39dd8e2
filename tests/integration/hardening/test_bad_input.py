"""Hostile and broken input: every case gets its exact status and a JSON body, never a 500.

What the other suites already pin down is not repeated here: the generic 401 and the bcrypt
count (auth/test_login.py), CSRF, body size and non-JSON bodies (auth/test_http_conventions.py),
reuse detection (auth/test_tokens.py), single-use and expiring links
(auth/test_registration_and_activation.py, auth/test_password_reset.py), the not-found paths
of a transcoded film (videos/test_pipeline.py).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import time

import jwt
import pytest

from tests.conftest import TEST_SECRET
from tests.integration.hardening.conftest import SEGMENT, VIEWER, VIEWER_PASSWORD, json_error, user_row
from videoflix.auth.account_tokens import encode_uid, make_account_token
from videoflix.auth.jwt_tokens import issue_token_pair, password_fingerprint
from videoflix_tools.testing.multipart import put_parts

pytestmark = pytest.mark.integration
GOOD = "correct-horse-9"
LOOKALIKE = "v\u0456ewer@example.com"  # Cyrillic i: looks like viewer@example.com


def register_body(email=VIEWER, password=GOOD, confirmed=None) -> dict:
    return {"email": email, "password": password, "confirmed_password": password if confirmed is None else confirmed}


# ---------------------------------------------------------------- bodies of the auth API
AUTH_FIELD_CASES = [
    ("/api/register/", register_body(email="not-an-email"), 400, "email"),
    ("/api/register/", register_body(email="a@localhost"), 400, "email"),
    ("/api/register/", register_body(email="a" * 250 + "@example.com"), 400, "email"),
    ("/api/register/", register_body(email="a@" + "b" * 64 + ".example.com"), 400, "email"),
    ("/api/register/", register_body(email=LOOKALIKE), 400, "email"),
    ("/api/register/", register_body(email="a\x00@example.com"), 400, "email"),
    ("/api/register/", register_body(email="a@example.com\r\nBcc: all@example.com"), 400, "email"),
    ("/api/register/", register_body(email=["a@example.com"]), 400, "email"),
    ("/api/register/", register_body(password=""), 400, "password"),
    ("/api/register/", register_body(password="seven77"), 400, "password"),
    ("/api/register/", register_body(password="\u00e9" * 36 + "a"), 400, "password"),  # 73 bytes
    ("/api/register/", register_body(password="correct\x00horse-9"), 400, "password"),
    ("/api/register/", register_body(confirmed="correct-horse-0"), 400, "confirmed_password"),
    ("/api/register/", register_body(confirmed=""), 400, "confirmed_password"),
    ("/api/login/", {"email": {"$ne": None}, "password": GOOD}, 400, "email"),
    ("/api/login/", {"email": VIEWER, "password": 12345678}, 400, "password"),
    ("/api/password_reset/", {"email": LOOKALIKE}, 400, "email"),
    ("/api/password_reset/", {"email": "x" * 300}, 400, "email"),
    ("/api/password_reset/", {"email": True}, 400, "email"),
]


def test_invalid_auth_fields_are_field_errors(client, subtests):
    for path, body, status, field in AUTH_FIELD_CASES:
        with subtests.test(msg=f"{path} {body!r:.80}"):
            json_error(client.post(path, body), status, field)


NOT_OBJECT_BODIES = [
    ("/api/register/", b"null"),
    ("/api/login/", b'"a string"'),
    ("/api/password_reset/", b"[" * 20000 + b"]" * 20000),                  # nesting deeper than the parser
    ("/api/login/", b'{"email": "viewer@example.com", "password": "\\ud800x-long-enough"}'),  # lone surrogate
    ("/api/register/", b'{"email": "a@example.com", "password": "\\udfff' + b"p" * 10 + b'"}'),
    ("/api/password_reset/", b'{"email": "a@example.com"} trailing'),
]


def test_bodies_that_are_not_plain_json_objects_are_400(client, subtests):
    for path, raw in NOT_OBJECT_BODIES:
        with subtests.test(msg=f"{path} {raw!r:.60}"):
            json_error(client.post(path, raw=raw), 400)


def test_nul_password_and_lookalike_address_never_log_in(services, viewer, client):
    for email, password in ((VIEWER, VIEWER_PASSWORD + "\x00"), (VIEWER, "\x00" + VIEWER_PASSWORD),
                            (LOOKALIKE, VIEWER_PASSWORD)):
        body = json_error(client.post("/api/login/", {"email": email, "password": password}), 401)
        assert body == {"detail": "Please check your input and try again."}


def test_fullwidth_address_is_the_same_account_and_mail_goes_to_the_stored_address(services, viewer, client,
                                                                                 mailbox):
    fullwidth = "\uff56iewer@example.com"  # NFKC makes it viewer@example.com: the same account
    assert client.post("/api/password_reset/", {"email": fullwidth}).status == 200
    assert [m["to"] for m in mailbox.deliver()] == [[VIEWER]]


# ---------------------------------------------------------------- JWTs, in the cookie and the header
@functools.lru_cache(maxsize=1)
def rsa_keys() -> tuple[bytes, bytes]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_key(claims: dict, key: bytes) -> str:
    """HS256 signed with any bytes as the key (PyJWT refuses a PEM public key as an HMAC secret)."""
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())}"


def claims_for(user, kind: str = "access", **changes) -> dict:
    now = int(time.time())
    claims = {"iss": "videoflix", "aud": "videoflix-api", "sub": str(user.id), "iat": now, "exp": now + 600,
              "jti": "j" * 32, "fam": "f" * 32, "pwd": password_fingerprint(user.password_hash), "type": kind}
    claims.update(changes)
    return claims


def forge(kind: str, user, settings, kind_of_token: str = "access") -> str:
    """A token that must be refused, of the given kind, for the `kind_of_token` slot."""
    claims = claims_for(user, kind_of_token)
    genuine = issue_token_pair(user.id, user.password_hash, settings)
    genuine_token = genuine.access if kind_of_token == "access" else genuine.refresh
    if kind == "truncated":
        return genuine_token[:-10]
    if kind == "tampered":
        header, payload, signature = genuine_token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        return f"{header}.{b64(json.dumps({**claims, 'sub': str(user.id + 1)}).encode())}.{signature}"
    if kind == "expired":
        return jwt.encode(claims_for(user, kind_of_token, iat=int(time.time()) - 4000,
                                     exp=int(time.time()) - 3000), TEST_SECRET, algorithm="HS256")
    if kind == "wrong_type":  # a refresh token where an access token belongs, and back
        return genuine.refresh if kind_of_token == "access" else genuine.access
    if kind == "alg_none":
        return jwt.encode(claims, None, algorithm="none")
    if kind == "rs256":  # the server must never accept another algorithm, whatever the key
        return jwt.encode(claims, rsa_keys()[0], algorithm="RS256")
    if kind == "hs256_public_key":  # the classic HS/RS confusion: the public key as HMAC secret
        return hs256_with_key(claims, rsa_keys()[1])
    if kind == "foreign_secret":
        return jwt.encode(claims, "another-service-secret-that-is-long-enough-0123456789", algorithm="HS256")
    if kind == "wrong_issuer":
        return jwt.encode({**claims, "iss": "someone-else"}, TEST_SECRET, algorithm="HS256")
    if kind == "wrong_audience":
        return jwt.encode({**claims, "aud": "another-api"}, TEST_SECRET, algorithm="HS256")
    if kind == "non_numeric_subject":
        return jwt.encode({**claims, "sub": "\u00b2"}, TEST_SECRET, algorithm="HS256")
    if kind == "oversized":
        return jwt.encode({**claims, "pad": "x" * 5000}, TEST_SECRET, algorithm="HS256")
    raise ValueError(kind)


BAD_TOKENS = ["truncated", "tampered", "expired", "wrong_type", "alg_none", "rs256", "hs256_public_key",
              "foreign_secret", "wrong_issuer", "wrong_audience", "non_numeric_subject", "oversized"]


def test_bad_access_tokens_are_401_in_cookie_and_header(services, viewer, make_client, subtests):
    genuine = issue_token_pair(viewer.id, viewer.password_hash, services.settings).access
    assert make_client(cookies={"access_token": genuine}).get("/api/video/").status == 200  # the control
    for kind in BAD_TOKENS:
        token = forge(kind, viewer, services.settings)
        with subtests.test(msg=f"{kind} in the cookie"):
            json_error(make_client(cookies={"access_token": token}).get("/api/video/"), 401)
        with subtests.test(msg=f"{kind} in the Authorization header"):
            bearer = make_client(origin=None)
            json_error(bearer.get("/api/video/", headers={"Authorization": f"Bearer {token}"}), 401)


REFRESH_KINDS = ["tampered", "expired", "wrong_type", "alg_none", "rs256", "hs256_public_key", "foreign_secret",
                 "wrong_audience", "non_numeric_subject"]


def test_bad_refresh_tokens_are_401_and_never_rotate(services, viewer, make_client, subtests):
    for kind in REFRESH_KINDS:
        with subtests.test(msg=kind):
            client = make_client(cookies={"refresh_token": forge(kind, viewer, services.settings, "refresh")})
            answer = client.post("/api/token/refresh/")
            json_error(answer, 401)
            assert answer.set_cookies() == {}


def test_malformed_authorization_headers_are_401(services, make_client, subtests):
    for authorization in ["Bearer", "Bearer ", "Basic dmlld2VyOnB3", "bearer a.b.c", "Bearer " + "a" * 5000,
                          "Bearer a.b.c d.e.f"]:
        with subtests.test(msg=authorization[:40]):
            json_error(make_client(origin=None).get("/api/video/", headers={"Authorization": authorization}), 401)


def test_tokens_of_a_deleted_user_are_refused(services, logged_in_client, make_client):
    from videoflix.db.models import User

    client = logged_in_client()
    access, refresh = client.cookies["access_token"], client.cookies["refresh_token"]
    with services.db.session() as session:
        session.delete(session.get(User, user_row(services).id))
    json_error(make_client(cookies={"access_token": access}).get("/api/video/"), 401)
    json_error(make_client(origin=None).get("/api/video/", headers={"Authorization": f"Bearer {access}"}), 401)
    json_error(make_client(cookies={"refresh_token": refresh}).post("/api/token/refresh/"), 401)


# ---------------------------------------------------------------- emailed links
def test_reset_link_after_the_password_already_changed_is_refused(services, register_user, client, mailbox):
    register_user()
    links = []
    for _ in range(2):  # two reset emails, e.g. the user clicked "forgot password" twice
        client.post("/api/password_reset/", {"email": VIEWER})
        links.append(mailbox.link_params(mailbox.last_to(VIEWER))[1:])
    body = {"new_password": "brand-new-pass-2", "confirm_password": "brand-new-pass-2"}
    assert client.post(f"/api/password_confirm/{links[1][0]}/{links[1][1]}/", body).status == 200
    older = client.post(f"/api/password_confirm/{links[0][0]}/{links[0][1]}/",
                        {"new_password": "third-pass-333", "confirm_password": "third-pass-333"})
    assert json_error(older, 400) == {"detail": "The link is invalid or has expired. Request a new one."}


def test_a_token_for_one_purpose_never_serves_the_other(services, client):
    from videoflix.auth.service import create_user

    inactive = create_user(services, "idle@example.com", GOOD, active=False)
    reset_token = make_account_token(inactive, "password_reset", TEST_SECRET)
    json_error(client.get(f"/api/activate/{encode_uid(inactive.id)}/{reset_token}/"), 400)
    active = create_user(services, "busy@example.com", GOOD)
    activation_token = make_account_token(active, "activation", TEST_SECRET)
    json_error(client.post(f"/api/password_confirm/{encode_uid(active.id)}/{activation_token}/",
                           {"new_password": "brand-new-pass-2", "confirm_password": "brand-new-pass-2"}), 400)


BAD_UIDS = {
    "not_base64": "!!!",
    "no_such_user": encode_uid(999_999),
    "negative": b64(b"-1"),
    "zero": b64(b"0"),
    "huge": b64(b"9" * 20),
    "not_ascii": b64(b"\xff\xfe\x00"),
    "not_a_number": b64(b"admin"),
    "too_long": "M" * 200,
    "percent_encoded_slash": "MQ%2F..",
}


def test_bad_uidb64_answers_400_on_both_link_routes(services, viewer, client, subtests):
    token = make_account_token(viewer, "password_reset", TEST_SECRET)
    body = {"new_password": "brand-new-pass-2", "confirm_password": "brand-new-pass-2"}
    for kind, uid in BAD_UIDS.items():
        with subtests.test(msg=f"activate, uid {kind}"):
            json_error(client.get(f"/api/activate/{uid}/{token}/"), 400)
        with subtests.test(msg=f"password_confirm, uid {kind}"):
            json_error(client.post(f"/api/password_confirm/{uid}/{token}/", body), 400)


def test_bad_link_tokens_answer_400(services, viewer, client, subtests):
    for token in ["x", "-", "zzzzzzzzzzzzzzzzzz-abc", "1-" + "a" * 200, "%00-ab", "\u00b2-ab", "%2e%2e"]:
        with subtests.test(msg=token[:40]):
            json_error(client.get(f"/api/activate/{encode_uid(viewer.id)}/{token}/"), 400)


# ---------------------------------------------------------------- ids, resolutions, segment names
BAD_IDS = ["-1", "0", "99999999999999999999999", "abc", "1.0", "+1", "1e3", "%201", "\u00b2", "\u0661", "0x1"]


def test_bad_video_ids_are_404_in_catalog_and_admin(stored_ready_video, viewer_client, staff_client, subtests):
    assert viewer_client.get(f"/api/video/{stored_ready_video}/master.m3u8").status == 200  # the control
    for video_id in BAD_IDS:
        for who, method, path in (("viewer", "GET", "/api/video/{}/master.m3u8"),
                                  ("viewer", "GET", "/api/video/{}/480p/index.m3u8"),
                                  ("viewer", "GET", "/api/video/{}/480p/" + SEGMENT),
                                  ("staff", "GET", "/api/admin/videos/{}/"),
                                  ("staff", "GET", "/api/admin/videos/{}/upload/"),
                                  ("staff", "POST", "/api/admin/videos/{}/retry/")):
            with subtests.test(msg=f"{method} {path.format(video_id)}"):
                client = viewer_client if who == "viewer" else staff_client
                json_error(client.request(method, path.format(video_id)), 404)


RESOLUTIONS = ["1080p", "720p", "4k", "480P", "..", "%2e%2e", "480p%00", "1080p%2F..", "master", "%2F480p"]
SEGMENTS = ["..", "...", "..%2f..%2fmaster.m3u8", "%2e%2e%2findex.m3u8", "%2Fetc%2Fpasswd",
            "%2fvideos%2f1%2f480p%2f" + SEGMENT, "segment_00000.ts%00.jpg", "seg%00.ts", "master.m3u8",
            "segment_99999.ts", "SEGMENT_00000.TS", "C:%5Cboot.ini", "segment_00000.ts%0a"]


def test_resolutions_and_segments_outside_the_ladder_and_playlist_are_404(stored_ready_video, viewer_client,
                                                                       subtests):
    base = f"/api/video/{stored_ready_video}"
    # The controls: the same routes answer for the right names.
    assert viewer_client.get(f"{base}/480p/index.m3u8").status == 200
    assert viewer_client.get(f"{base}/480p/{SEGMENT}").status == 302
    for resolution in RESOLUTIONS:
        with subtests.test(msg=f"resolution {resolution}"):
            json_error(viewer_client.get(f"{base}/{resolution}/index.m3u8"), 404)
            json_error(viewer_client.get(f"{base}/{resolution}/{SEGMENT}"), 404)
    for segment in SEGMENTS:
        with subtests.test(msg=f"segment {segment}"):
            json_error(viewer_client.get(f"{base}/480p/{segment}"), 404)


# ---------------------------------------------------------------- the admin API
ADMIN_ROUTES = [("GET", "/api/admin/videos/"), ("POST", "/api/admin/videos/"), ("GET", "/api/admin/videos/1/"),
                ("DELETE", "/api/admin/videos/1/"), ("GET", "/api/admin/videos/1/upload/"),
                ("POST", "/api/admin/videos/1/upload/complete/"), ("POST", "/api/admin/videos/1/retry/")]


def test_admin_routes_as_a_normal_user_are_403(stored_ready_video, viewer_client, subtests):
    for method, path in ADMIN_ROUTES:
        with subtests.test(msg=f"{method} {path}"):
            body = {"parts": [{"part_number": 1, "etag": '"x"'}]} if method == "POST" else None
            answer = viewer_client.request(method, path, body)
            assert json_error(answer, 403) == {"detail": "Staff access required."}
    assert viewer_client.get(f"/api/video/{stored_ready_video}/master.m3u8").status == 200  # nothing deleted


NEW = {"title": "Film", "description": "d", "category": "Drama", "filename": "film.mp4", "size": 1000,
       "content_type": "video/mp4"}


BAD_UPLOADS = [
    ({"content_type": "image/png"}, "content_type"),
    ({"content_type": "application/vnd.apple.mpegurl"}, "content_type"),  # an HLS playlist is no upload
    ({"content_type": "video/x-msvideo"}, "content_type"),
    ({"content_type": 5}, "content_type"),
    ({"size": 0}, "size"),
    ({"size": -1}, "size"),
    ({"size": 10 * 1024**3 + 1}, "size"),
    ({"size": "1000"}, "size"),
    ({"size": 10.5}, "size"),
    ({"size": True}, "size"),
    ({"size": None}, "size"),
    ({"title": "a\x00b"}, "title"),
    ({"filename": "film\x00.mp4"}, "filename"),
    ({"category": "Drama\x1b[31m"}, "category"),
    ({"description": "x" * 5001}, "description"),
    ({"title": ["Film"]}, "title"),
    ({"title": "x" * 201}, "title"),
]


def test_bad_upload_requests_are_field_errors_without_a_row(staff_client, subtests):
    for changes, field in BAD_UPLOADS:
        with subtests.test(msg=f"{changes!r:.60}"):
            json_error(staff_client.post("/api/admin/videos/", {**NEW, **changes}), 400, field)
    assert staff_client.get("/api/admin/videos/").json == []
    assert staff_client.post("/api/admin/videos/", NEW).status == 201  # the control


BAD_PARTS = [None, [], "1", {"part_number": 1}, [{"part_number": 0, "etag": '"a"'}],
             [{"part_number": 10_001, "etag": '"a"'}], [{"part_number": "1", "etag": '"a"'}],
             [{"part_number": 1, "etag": ""}], [{"part_number": 1, "etag": '"a"'}] * 2, [["1", "a"]],
             [{"part_number": 1, "etag": '"00000000000000000000000000000000"'}],  # not the uploaded part's ETag
             [{"part_number": 2, "etag": '"00000000000000000000000000000000"'}]]  # a part never uploaded


def test_completing_with_parts_that_do_not_match_is_400_and_keeps_the_upload(staff_client, subtests):
    created = staff_client.post("/api/admin/videos/", NEW).json
    video_id = created["video"]["id"]
    uploaded = put_parts(created["upload"], b"v" * NEW["size"])
    for parts in BAD_PARTS:
        with subtests.test(msg=f"{parts!r:.80}"):
            answer = staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts})
            json_error(answer, 400, "parts")
            assert staff_client.get(f"/api/admin/videos/{video_id}/").json["status"] == "awaiting_upload"
    assert staff_client.get(f"/api/admin/videos/{video_id}/upload/").status == 200  # still resumable
    done = staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": uploaded})
    assert done.status == 200  # and the right parts still complete it


def test_completing_an_unknown_or_finished_upload(staff_client):
    json_error(staff_client.post("/api/admin/videos/424242/upload/complete/",
                                 {"parts": [{"part_number": 1, "etag": '"a"'}]}), 404)
    created = staff_client.post("/api/admin/videos/", NEW).json
    video_id = created["video"]["id"]
    parts = put_parts(created["upload"], b"v" * NEW["size"])
    assert staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts}).status == 200
    json_error(staff_client.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts}), 409)
    json_error(staff_client.get(f"/api/admin/videos/{video_id}/upload/"), 409)
    json_error(staff_client.post(f"/api/admin/videos/{video_id}/retry/"), 409)
