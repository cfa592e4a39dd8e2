"""Checks a CloudFront signed URL as CloudFront would: what tests of signed playback share."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from videoflix.adapters.cloudfront import cloudfront_b64decode

# CloudFront's URL-safe base64 alphabet: no `+`, `=` or `/` ever appears in Policy or Signature.
CLOUDFRONT_B64 = re.compile(r"[A-Za-z0-9~_-]+")


@dataclass(frozen=True)
class VerifiedUrl:
    url: str
    path: str
    resource: str  # the policy's Resource
    expires_at: int  # its DateLessThan
    key_pair_id: str


def verify_cloudfront_url(url: str, public_key_pem: str) -> VerifiedUrl:
    """Parse `url`'s Policy, Signature and Key-Pair-Id, verify the RSA-SHA1 PKCS#1 v1.5 signature of
    the policy with `public_key_pem`, and check the policy covers the URL; AssertionError otherwise."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    parts = urlsplit(url)
    assert parts.scheme == "https", url
    fields = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    assert set(fields) == {"Policy", "Signature", "Key-Pair-Id"}, fields
    assert CLOUDFRONT_B64.fullmatch(fields["Policy"]) and CLOUDFRONT_B64.fullmatch(fields["Signature"]), url
    policy_bytes = cloudfront_b64decode(fields["Policy"])
    public_key = serialization.load_pem_public_key(public_key_pem.encode("ascii"))
    public_key.verify(cloudfront_b64decode(fields["Signature"]), policy_bytes, padding.PKCS1v15(), hashes.SHA1())
    [statement] = json.loads(policy_bytes)["Statement"]
    resource = statement["Resource"]
    assert set(statement["Condition"]) == {"DateLessThan"}, statement
    expires_at = statement["Condition"]["DateLessThan"]["AWS:EpochTime"]
    bare = f"{parts.scheme}://{parts.netloc}{parts.path}"
    assert resource.endswith("*") and bare.startswith(resource[:-1]), (resource, bare)
    return VerifiedUrl(url, parts.path, resource, expires_at, fields["Key-Pair-Id"])
