"""The embedded S3's check of presigned writes: what botocore signs passes, anything changed is refused."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

import boto3
import pytest

from videoflix_tools.dev.s3_presigned import signature_problem

SECRETS = {"testing": "testing"}


def _signer():
    return boto3.client("s3", region_name="eu-central-1", endpoint_url="http://127.0.0.1:4599",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _environ(url: str, method: str = "PUT", **headers: str) -> dict:
    parts = urlsplit(url)
    environ = {"REQUEST_METHOD": method, "RAW_URI": f"{parts.path}?{parts.query}", "QUERY_STRING": parts.query,
               "HTTP_HOST": parts.netloc}
    environ.update(headers)
    return environ


def test_a_signed_content_length_holds_exactly():
    url = _signer().generate_presigned_url("put_object", Params={
        "Bucket": "uploads", "Key": "uploads/7/poster/a b+é.png", "ContentType": "image/png", "ContentLength": 2000},
        ExpiresIn=60)
    good = _environ(url, CONTENT_LENGTH="2000", CONTENT_TYPE="image/png")
    assert signature_problem(good, SECRETS) is None
    assert signature_problem({**good, "CONTENT_LENGTH": "6291456"}, SECRETS)[0] == "SignatureDoesNotMatch"
    assert signature_problem({**good, "CONTENT_TYPE": "text/html"}, SECRETS)[0] == "SignatureDoesNotMatch"
    assert signature_problem(good, {"testing": "other"})[0] == "SignatureDoesNotMatch"
    assert signature_problem(good, {})[0] == "InvalidAccessKeyId"
    assert signature_problem(good, SECRETS, now=time.time() + 120)[0] == "AccessDenied"
    stripped = good["RAW_URI"].replace("content-length%3B", "")
    assert signature_problem({**good, "RAW_URI": stripped}, SECRETS)[0] == "SignatureDoesNotMatch"


@pytest.mark.parametrize("length", ["5242880", "17"])
def test_presigned_multipart_parts_pass_whatever_their_size(length):
    url = _signer().generate_presigned_url("upload_part", Params={
        "Bucket": "uploads", "Key": "uploads/7/film.mp4", "UploadId": "abc~def/+=", "PartNumber": 3}, ExpiresIn=60)
    assert signature_problem(_environ(url, CONTENT_LENGTH=length), SECRETS) is None
    assert signature_problem(_environ(url.replace("partNumber=3", "partNumber=4"), CONTENT_LENGTH=length),
                             SECRETS)[0] == "SignatureDoesNotMatch"
