"""Schemathesis on every operation of docs/openapi.yaml against a dev stack of its own.

Checks: no server error (5xx), and status, content type, headers and body as documented.
Hypothesis chooses, case by case, whether a call carries the staff user's access token (so
protected operations run past 401), whether a video id is the generated one or one of the
videos set up here (ready, awaiting its upload, failed), whether a segment name is a real
one, whether a password confirmation matches, and whether refresh and logout get a fresh
refresh cookie. Its own stack, because generated requests delete videos and spend the abuse
limits that other e2e tests rely on.
"""
from __future__ import annotations

import os
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                 response_schema_conformance, status_code_conformance)

from bench.load import seed_ready_video, seed_settings
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack
from videoflix_tools.functions import PROJECT_ROOT
from videoflix_tools.testing.databases import fresh_database, sibling_database_url

pytestmark = pytest.mark.e2e

schema = schemathesis.openapi.from_path(PROJECT_ROOT / "docs" / "openapi.yaml")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# 40: with 25 the segment route's success path (known id, real rung and segment, token) was missed in
# some full-suite runs, although it is reached alone; the summary test below needs it.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", 40))
SEGMENTS = 3
FRESH = "<fresh refresh token>"  # stands for a refresh cookie taken at call time
KEPT_CAPTION, CAPTION = "en", "de"  # a track seeded on the ready film; the one generated calls add and remove
CAPTION_FILE = "WEBVTT\n\n00:01.000 --> 00:04.000\nHello\n"
ABSENT_VIDEO = 999_999
STATUSES: dict[str, Counter] = {}  # operation -> status -> calls, for the summary test
STATE: dict = {}  # filled by the `api` fixture, read while cases are generated


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The stack on its own database (PostgreSQL when configured) with a staff token and videos."""
    folder = tmp_path_factory.mktemp("schemathesis")
    base = os.environ.get("TEST_DATABASE_URL", "")
    database = (fresh_database(sibling_database_url(base, "_schemathesis")) if base
                else f"sqlite:///{folder}/api.sqlite3")
    # Generated logins fail by the dozen; the staff logins this test makes must not be refused.
    stack_iter = start_stack(folder, database, "", extra_environ={"LOGIN_FAILURES_PER_IP": "100000"})
    stack = next(stack_iter)
    try:
        STATE.update(prepare(stack, database))
        yield stack
    finally:
        STATE.clear()
        stack_iter.close()


def prepare(stack, database: str) -> dict:
    aws_endpoint = requests.get(stack.url("/api/health/"), timeout=10).json()["aws_endpoint"]
    settings_ = seed_settings(database, aws_endpoint)
    access = staff_tokens(stack)[0]
    staff = {"Authorization": f"Bearer {access}"}
    ready = seed_ready_video(settings_, segments=SEGMENTS)
    seed_storyboard(settings_, ready)
    pending = new_upload(stack, staff)["video"]["id"]  # stays awaiting its upload
    uploaded = new_upload(stack, staff)  # its one part is sent: completing it with these parts works
    part = requests.put(uploaded["upload"]["parts"][0]["url"], data=b"x", timeout=10)
    part.raise_for_status()
    failed = seed_ready_video(settings_, title="Failed film", segments=1)
    mark_failed(settings_, failed)
    ids = {"ready": ready, "pending": pending, "uploaded": uploaded["video"]["id"], "failed": failed}
    # A caption track of the ready film that generated deletions never reach (they may remove "de").
    answer = requests.post(stack.url(f"/api/admin/videos/{ready}/captions/"), headers=staff, timeout=10,
                           json={"lang": KEPT_CAPTION, "label": "English", "content": CAPTION_FILE})
    assert answer.status_code == 201, answer.text
    return {"access": access, "ids": ids, "protected": set(ids.values()),
            "parts": [{"part_number": 1, "etag": part.headers["ETag"]}]}


def seed_storyboard(settings_, video_id: int) -> None:
    """The ready film's seek previews: its layout, and a sprite (nothing here decodes it)."""
    from videoflix.adapters.aws import aws_client
    from videoflix.domain.storyboard import STORYBOARD_FILE, STORYBOARD_META, plan_storyboard

    s3 = aws_client("s3", settings_)
    layout = plan_storyboard(6.0 * SEGMENTS, 854, 480)
    s3.put_object(Bucket=settings_.media_bucket, Key=f"videos/{video_id}/{STORYBOARD_META}",
                  Body=layout.to_json().encode(), ContentType="application/json")
    s3.put_object(Bucket=settings_.media_bucket, Key=f"videos/{video_id}/{STORYBOARD_FILE}",
                  Body=b"\xff\xd8\xff\xd9", ContentType="image/jpeg")


def staff_tokens(stack) -> tuple[str, str]:
    answer = requests.post(stack.url("/api/login/"), json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                           timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.cookies["access_token"], answer.cookies["refresh_token"]


def new_upload(stack, headers: dict) -> dict:
    answer = requests.post(stack.url("/api/admin/videos/"), headers=headers, timeout=10, json={
        "title": "Schemathesis", "category": "Tests", "filename": "film.mp4", "size": 1, "content_type": "video/mp4"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def mark_failed(settings_, video_id: int) -> None:
    """Fail the video, keeping its upload in the bucket: a retry then has a file to transcode (202)."""
    from sqlalchemy import select, update

    from videoflix.adapters.aws import aws_client
    from videoflix.db.models import Video, VideoStatus
    from videoflix.db.database import Database

    with Database.from_url(settings_.database_url).session() as session:
        session.execute(update(Video).where(Video.id == video_id)
                        .values(status=VideoStatus.FAILED, error="Seeded as failed."))
        source_key = session.scalar(select(Video.source_key).where(Video.id == video_id))
    # A file that starts like an MP4: a retry refuses to queue a file that is not a video at all.
    aws_client("s3", settings_).put_object(Bucket=settings_.upload_bucket, Key=source_key,
                                           Body=b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2film")


@schema.hook
def flatmap_case(context, case):
    """Let Hypothesis choose how each generated case is steered towards the API's success paths."""
    choices = {"auth": st.sampled_from([True, True, True, False])}
    parameters = case.path_parameters or {}
    if "video_id" in parameters and STATE:
        known = sorted(STATE["ids"].values())
        if case.operation.path.startswith("/api/video/"):  # playlists and segments: the ready one
            known = [STATE["ids"]["ready"]]
        if case.method == "DELETE" and "/captions/" in case.operation.path:  # a caption of the ready film
            known = [STATE["ids"]["ready"]]
        elif case.method == "DELETE":  # the videos set up here must outlive the deletions
            known = list(range(max(known) + 1, max(known) + 8))
        choices["video_id"] = st.one_of(st.just(parameters["video_id"]), st.sampled_from(known))
    if "resolution" in parameters:
        choices["resolution"] = st.one_of(st.just(parameters["resolution"]), st.just("480p"))
    if "segment" in parameters:
        choices["segment"] = st.one_of(st.just(parameters["segment"]),
                                       st.sampled_from([f"segment_{n:03d}.ts" for n in range(SEGMENTS)]))
    if case.operation.path in {"/api/token/refresh/", "/api/logout/"}:
        choices["fresh"] = st.booleans()
    if isinstance(case.body, dict):
        for pair in (("password", "confirmed_password"), ("new_password", "confirm_password")):
            if set(pair) <= set(case.body):
                choices["confirm"] = st.one_of(st.none(), st.just(pair))
    if case.operation.path.endswith("/upload/complete/"):
        choices["real_parts"] = st.booleans()
    if "lang" in parameters:  # the seeded track for reads, the added one for deletions
        choices["lang"] = st.one_of(st.just(parameters["lang"]),
                                    st.just(CAPTION if case.method == "DELETE" else KEPT_CAPTION))
    if case.method == "POST" and case.operation.path.endswith("/captions/"):
        choices["real_caption"] = st.booleans()
    return st.fixed_dictionaries(choices).map(lambda chosen: steer(case, chosen))


def steer(case, chosen: dict):
    if chosen["auth"] and STATE:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {STATE['access']}"}
    for name in ("video_id", "resolution", "segment", "lang"):
        if name in chosen:
            case.path_parameters = {**case.path_parameters, name: chosen[name]}
    if case.method == "DELETE" and STATE and case.path_parameters.get("video_id") in STATE["protected"] \
            and "/captions/" not in case.operation.path:
        case.path_parameters = {**case.path_parameters, "video_id": ABSENT_VIDEO}
    if chosen.get("fresh"):
        case.cookies = {**(case.cookies or {}), "refresh_token": FRESH}
    if chosen.get("confirm"):  # the confirmation matches the password
        first, second = chosen["confirm"]
        case.body = {**case.body, second: case.body[first]}
    if chosen.get("real_parts") and STATE:
        case.body = {"parts": STATE["parts"]}
        case.path_parameters = {**case.path_parameters, "video_id": STATE["ids"]["uploaded"]}
    if chosen.get("real_caption") and STATE:
        case.body = {"lang": CAPTION, "label": "Deutsch", "content": CAPTION_FILE}
        case.path_parameters = {**case.path_parameters, "video_id": STATE["ids"]["ready"]}
    return case


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, api):
    if (case.cookies or {}).get("refresh_token") == FRESH:
        case.cookies = {**case.cookies, "refresh_token": staff_tokens(api)[1]}
    response = case.call(base_url=api.api, allow_redirects=False, timeout=15)
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    STATUSES.setdefault(operation, Counter())[response.status_code] += 1
    case.validate_response(response, checks=CHECKS)


# Operation -> a status its generated calls must have reached at least once.
MUST_REACH = {
    "POST /api/register/": 201,
    "POST /api/login/": 401,
    "POST /api/logout/": 200,
    "POST /api/token/refresh/": 200,
    "POST /api/password_reset/": 200,
    "GET /api/health/": 200,
    "GET /api/video/": 200,
    "GET /api/video/{video_id}/master.m3u8": 200,
    "GET /api/video/{video_id}/storyboard.vtt": 200,
    "GET /api/video/{video_id}/{resolution}/index.m3u8": 200,
    "GET /api/video/{video_id}/{resolution}/{segment}/": 302,
    "POST /api/admin/videos/": 201,
    "GET /api/admin/videos/": 200,
    "GET /api/admin/videos/{video_id}/": 200,
    "DELETE /api/admin/videos/{video_id}/": 200,
    "GET /api/admin/videos/{video_id}/upload/": 200,
    "POST /api/admin/videos/{video_id}/upload/complete/": 200,
    "POST /api/admin/videos/{video_id}/retry/": 202,
    "GET /api/categories/": 200,
    "GET /api/video/continue/": 200,
    "PUT /api/video/{video_id}/progress/": 204,
    "GET /api/video/{video_id}/subtitles/{lang}/index.m3u8": 200,
    "POST /api/admin/videos/{video_id}/captions/": 201,
    "GET /api/admin/videos/{video_id}/captions/": 200,
    "DELETE /api/admin/videos/{video_id}/captions/{lang}/": 204,
    "GET /api/me/": 200,
    "PATCH /api/admin/videos/{video_id}/": 200,
    "GET /api/admin/users/": 200,
    "GET /api/admin/history/": 200,
    "GET /api/admin/queues/": 200,
}


def test_generated_calls_ran_past_authentication():
    """After the operations above: the staff token, the videos and the fresh cookies were used."""
    if len(STATUSES) < len(MUST_REACH):
        pytest.skip("runs together with test_every_operation_answers_as_documented")
    summary = "\n".join(f"{op}: {dict(sorted(counts.items()))}" for op, counts in sorted(STATUSES.items()))
    print(f"\nSchemathesis statuses per operation:\n{summary}")
    missed = {op: status for op, status in MUST_REACH.items() if not STATUSES.get(op, {}).get(status)}
    assert not missed, f"never reached: {missed}\n{summary}"
