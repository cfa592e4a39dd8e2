"""The fuzz targets of `make fuzz` (videoflix_tools.testing.fuzz_targets), few examples each, and what they found.

Each target feeds a pure parser generated input: it must answer with a value of the
documented shape or raise its documented domain error, and round-trips must hold.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from videoflix.auth.account_tokens import check_account_token, make_account_token
from videoflix.errors import FieldErrors
from videoflix.staff.videos import parse_new_video
from videoflix.domain.transcode_messages import MalformedEvent, UploadedObject, parse_upload_notification
from videoflix_tools.testing.fuzz_targets import SECRET, SEED_BODIES, TARGETS, json_body_is_an_object_or_a_domain_error

EXAMPLES = 60


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
def test_property_holds(target):
    target.run(EXAMPLES)
    assert target.cases >= 1


@pytest.mark.parametrize("body", SEED_BODIES, ids=range(len(SEED_BODIES)))
def test_troublesome_bodies_are_objects_or_domain_errors(body):
    json_body_is_an_object_or_a_domain_error(body)


# -- regressions: what fuzzing found ------------------------------------------------------------
def user() -> SimpleNamespace:
    return SimpleNamespace(id=1, email="a@example.com", password_hash="$2b$04$hash", is_active=False)


def test_a_token_with_non_ascii_text_is_simply_invalid():
    """hmac.compare_digest raised TypeError on non-ASCII text: a 500 from a crafted link."""
    token = make_account_token(user(), "activation", SECRET, now=1_800_000_000)
    stamp = token.split("-", 1)[0]
    assert check_account_token(user(), f"{stamp}-é", "activation", SECRET, max_age=60, now=1_800_000_000) is False


@pytest.mark.parametrize("s3", [
    {"bucket": {"name": None}, "object": {"key": None}},
    {"bucket": {"name": "b"}, "object": {"key": 5}},
    {"bucket": {"name": ["b"]}, "object": {"key": "k"}},
])
def test_s3_records_with_non_text_names_are_malformed(s3):
    """unquote_plus(None) raised AttributeError: a poison message that was no MalformedEvent."""
    with pytest.raises(MalformedEvent):
        parse_upload_notification(json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": s3}]}))


def test_an_s3_size_that_is_no_number_is_dropped():
    body = json.dumps({"Records": [{"eventName": "ObjectCreated:Put",
                                    "s3": {"bucket": {"name": "b"}, "object": {"key": "a+b", "size": "7"}}}]})
    assert parse_upload_notification(body) == [UploadedObject("b", "a b", None)]


def test_nul_characters_in_video_fields_are_field_errors():
    """PostgreSQL refuses NUL in text: found by Schemathesis as a 500 on POST /api/admin/videos/."""
    with pytest.raises(FieldErrors) as raised:
        parse_new_video({"title": "a\x00b", "category": "c", "filename": "f.mp4", "size": 1,
                         "content_type": "video/mp4"}, max_upload_bytes=10)
    assert list(raised.value.fields) == ["title"]
