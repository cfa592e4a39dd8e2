"""The embedded S3 checks the signature of presigned writes, as S3 and LocalStack do.

moto accepts any presigned URL without looking at its signature, so a bound the signature
carries (a poster upload URL signs its `Content-Length`: S3 refuses a body of any other
length) would not hold under `make dev` or the integration tests. This WSGI middleware, in
front of moto, verifies AWS Signature Version 4 in the query string of every presigned PUT
and POST: the canonical request rebuilt from what arrived (method, path, query, the signed
headers with their values as sent) must give the signature, with a secret the endpoint
knows, before the URL expires. Otherwise it answers 403 with S3's error document and moto
never sees the request. Presigned GETs and requests signed in headers (the SDK's own) pass
unchanged.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import time
from calendar import timegm
from typing import Callable, Iterable, Mapping
from urllib.parse import quote, unquote

ALGORITHM = "AWS4-HMAC-SHA256"
CHECKED_METHODS = frozenset({"PUT", "POST"})
DRAIN_CHUNK = 1024 * 1024


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote(name.replace("+", "%20")), unquote(value.replace("+", "%20"))))
    return pairs


def _header_value(environ: Mapping[str, str], name: str) -> str | None:
    if name == "content-length":
        value = environ.get("CONTENT_LENGTH")
    elif name == "content-type":
        value = environ.get("CONTENT_TYPE")
    else:
        value = environ.get("HTTP_" + name.upper().replace("-", "_"))
    return None if value is None else " ".join(str(value).split())


def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def signature_problem(environ: Mapping[str, str], secrets: Mapping[str, str], now: float | None = None
                      ) -> tuple[str, str] | None:
    """(S3 error code, message) if this presigned request's signature does not hold; None if it does."""
    raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    raw_path, _, raw_query = raw_uri.partition("?")
    if not raw_uri:
        raw_path, raw_query = quote(environ.get("PATH_INFO", "/"), safe="/~"), environ.get("QUERY_STRING", "")
    pairs = _query_pairs(raw_query)
    given = dict(pairs)
    if given.get("X-Amz-Algorithm") != ALGORITHM:
        return "AuthorizationQueryParametersError", "Only AWS4-HMAC-SHA256 presigned requests are accepted."
    try:
        access_key, date, region, service, terminal = given["X-Amz-Credential"].split("/")
        stamp, expires, signed = given["X-Amz-Date"], int(given["X-Amz-Expires"]), given["X-Amz-SignedHeaders"]
        signature = given["X-Amz-Signature"]
        issued = timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    except (KeyError, ValueError):
        return "AuthorizationQueryParametersError", "The presigned URL's X-Amz-* parameters are incomplete."
    secret = secrets.get(access_key)
    if secret is None:
        return "InvalidAccessKeyId", "The AWS access key ID in the presigned URL is not known here."
    current = time.time() if now is None else now
    if current > issued + expires:
        return "AccessDenied", "Request has expired"
    names = signed.split(";")
    values = [(name, _header_value(environ, name)) for name in names]
    canonical_request = "\n".join([
        environ.get("REQUEST_METHOD", ""),
        raw_path or "/",
        "&".join(f"{_encode(name)}={_encode(value)}" for name, value in sorted(pairs) if name != "X-Amz-Signature"),
        "".join(f"{name}:{value if value is not None else ''}\n" for name, value in values),
        signed,
        given.get("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"),
    ])
    scope = f"{date}/{region}/{service}/{terminal}"
    string_to_sign = "\n".join([ALGORITHM, stamp, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    expected = hmac.new(_signing_key(secret, date, region, service), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return ("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you "
                "provided (a signed header such as Content-Length differs from the presigned URL's).")
    return None


def environment_secrets() -> dict[str, str]:
    """The credentials this process signs with (the dev stack and the tests put them in the environment)."""
    key = os.environ.get("AWS_ACCESS_KEY_ID", "testing")
    return {key: os.environ.get("AWS_SECRET_ACCESS_KEY", "testing")}


class VerifyPresignedWrites:
    """WSGI middleware: a presigned PUT or POST whose signature does not hold gets S3's 403."""

    def __init__(self, app: Callable, secrets: Callable[[], Mapping[str, str]] = environment_secrets) -> None:
        self.app = app
        self.secrets = secrets

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in CHECKED_METHODS or "X-Amz-Signature=" not in \
                environ.get("QUERY_STRING", ""):
            return self.app(environ, start_response)
        problem = signature_problem(environ, self.secrets())
        if problem is None:
            return self.app(environ, start_response)
        _drain(environ)  # read what the client sends, so it gets the answer instead of a reset connection
        code, message = problem
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error>").encode()
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
        return [body]


def _drain(environ: dict) -> None:
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    try:
        left = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return
    while left > 0:
        block = stream.read(min(DRAIN_CHUNK, left))
        if not block:
            return
        left -= len(block)
