"""JSON log lines: their fields, the invocation's context, and nothing secret in them."""
from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest

from videoflix.observability.logs import JsonFormatter, bind, log_context, logged_invocation, mask_email, redact
from videoflix_tools.functions import FUNCTIONS_DIR, PROJECT_ROOT

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImZhbSI6ImFiYyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.fixture
def lines():
    """A logger writing through JsonFormatter; `lines()` answers the parsed lines so far."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("videoflix.test.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]
    read.logger = logger
    yield read
    logger.removeHandler(handler)


def test_a_line_is_one_json_object_with_time_level_logger_message_and_request_id(lines):
    lines.logger.info("video %s ready", 7)
    [line] = lines()
    assert set(line) == {"time", "level", "logger", "message", "request_id"}
    assert (line["level"], line["logger"], line["message"], line["request_id"]) == (
        "INFO", "videoflix.test.logs", "video 7 ready", None)
    assert line["time"].endswith("Z") and "T" in line["time"]


def test_the_invocation_context_names_request_video_and_user(lines):
    with log_context(request_id="req-1", video_id=7, user_id=None):  # as each invocation starts
        bind(user_id=3)
        lines.logger.warning("inside")
    lines.logger.warning("after")
    inside, after = lines()
    assert (inside["request_id"], inside["video_id"], inside["user_id"]) == ("req-1", 7, 3)
    assert after["request_id"] is None and "video_id" not in after and "user_id" not in after


def test_a_lambda_handler_gets_its_request_id_and_a_fresh_context(lines):
    class Context:
        aws_request_id = "lambda-req-9"

    @logged_invocation
    def handler(event, context):
        bind(video_id=event["id"])
        lines.logger.info("working")
        return "done"

    assert handler({"id": 5}, Context()) == "done"
    lines.logger.info("between invocations")
    working, between = lines()
    assert (working["request_id"], working["video_id"]) == ("lambda-req-9", 5)
    assert between["request_id"] is None and "video_id" not in between


def test_an_exception_is_under_error(lines):
    try:
        raise ValueError("the probe said no")
    except ValueError:
        lines.logger.exception("transcode failed")
    [line] = lines()
    assert line["message"] == "transcode failed" and line["level"] == "ERROR"
    assert "ValueError: the probe said no" in line["error"] and "Traceback" in line["error"]


SECRETS = {
    "jwt": (f"refresh with {JWT} failed", JWT.split(".")[1]),
    "bearer": (f"Authorization: Bearer {JWT}", JWT.split(".")[2]),
    "s3 presigned url": ("segment https://media.s3.amazonaws.com/videos/1/480p/s.ts?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                         "&X-Amz-Credential=ASIAEXAMPLE%2F20261128&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0",
                         "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    "cloudfront signed url": ("https://d111.cloudfront.net/videos/1/master.m3u8?Expires=1900000000&Signature=Abc~Def-Ghi"
                              "&Key-Pair-Id=K2JCJMDEHXQW5F", "Abc~Def-Ghi"),
    "password field": ("body {'email': 'x', 'password': 'Correct-Horse-7'}", "Correct-Horse-7"),
    "json password field": ('body {"new_password": "Correct Horse 7", "confirm_password": "Correct Horse 7"}',
                            "Correct Horse 7"),
    "token field": ("activate uid=MQ token=c5k2-1f0a9b8c7d6e5f4a3b2c", "c5k2-1f0a9b8c7d6e5f4a3b2c"),
    "email": ("sent 'Activate' to jane.doe@example.com", "jane.doe@example.com"),
}


@pytest.mark.parametrize("kind", list(SECRETS))
def test_secrets_never_reach_a_line(lines, kind):
    text, secret = SECRETS[kind]
    lines.logger.info("%s", text)
    try:
        raise RuntimeError(text)
    except RuntimeError:
        lines.logger.exception("failed")
    raw = json.dumps(lines())
    assert secret not in raw
    assert "[redacted]" in raw or "j***@example.com" in raw


def test_redaction_keeps_what_is_harmless():
    text = "video 7 ready: ['480p', '720p'], 3.0 s; token refresh failed; https://example.com/a?b=c"
    assert redact(text) == text
    assert mask_email("jane@example.com") == "j***@example.com"


def test_structured_fields_are_redacted_by_name(lines):
    lines.logger.info("job", extra={"fields": {"password": "hunter2", "to": "bob@example.org", "size": 3}})
    [line] = lines()
    assert (line["password"], line["to"], line["size"]) == ("[redacted]", "b***@example.org", 3)


@pytest.mark.parametrize("function", ["sweeper", "mailer"])
def test_a_function_writes_json_lines_on_its_own(function, tmp_path):
    # As Lambda (or the dev stack's worker) imports it: a fresh interpreter, no logging set up before.
    code = ("import logging, app\nlogging.getLogger('videoflix.check').warning('hello %s', 'ann@example.com')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=FUNCTIONS_DIR / function, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(PROJECT_ROOT / "layers"),
                                                      "PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(l) for l in done.stdout.splitlines() if "videoflix.check" in l]
    assert line["message"] == "hello a***@example.com" and line["level"] == "WARNING"
