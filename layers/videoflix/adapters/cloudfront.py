"""CloudFront signed URLs for a whole film: the pure part (no I/O, no AWS call, no library).

One custom policy on the film's prefix (`https://<domain>/videos/<id>/*`, DateLessThan = the
expiry) is signed once; every segment URL of the film is then `<prefix><rung>/<segment>?<query>`,
a string join. The query is the same for every viewer in the window, and the distribution keeps
it out of its cache key (template.yaml, PlaybackCachePolicy), so all viewers share the edge's
copy of a segment.

The signature is RSA-SHA1 (PKCS#1 v1.5) over the policy's bytes, as CloudFront requires; the
caller passes the signing function (videoflix.adapters.playback builds it from the private key).
Policy and signature travel in CloudFront's URL-safe base64: `+` -> `-`, `=` -> `_`, `/` -> `~`.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Callable

_TO_CLOUDFRONT = str.maketrans("+=/", "-_~")
_FROM_CLOUDFRONT = str.maketrans("-_~", "+=/")


def cloudfront_b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").translate(_TO_CLOUDFRONT)


def cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.translate(_FROM_CLOUDFRONT), validate=True)


def prefix_policy(resource: str, expires_at: int) -> str:
    """The custom policy: `resource` (a URL, `*` wildcards allowed) until `expires_at` (epoch seconds).
    Compact JSON in the shape botocore's CloudFrontSigner.build_policy writes."""
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": int(expires_at)}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":"))


def signed_query(policy: str, signature: bytes, key_pair_id: str) -> str:
    return (f"Policy={cloudfront_b64encode(policy.encode('utf-8'))}"
            f"&Signature={cloudfront_b64encode(signature)}&Key-Pair-Id={key_pair_id}")


@dataclass(frozen=True)
class SignedPrefix:
    """Every URL under `base` (ending in `/`), signed until `expires_at` by one query string."""

    base: str
    query: str
    expires_at: float

    def url(self, relative: str) -> str:
        return f"{self.base}{relative}?{self.query}"


def sign_prefix(domain: str, prefix: str, expires_at: int, key_pair_id: str,
                rsa_sha1_sign: Callable[[bytes], bytes]) -> SignedPrefix:
    """Sign `https://<domain>/<prefix>*` (prefix like `videos/7/`) until `expires_at`."""
    base = f"https://{domain}/{prefix}"
    policy = prefix_policy(base + "*", expires_at)
    return SignedPrefix(base, signed_query(policy, rsa_sha1_sign(policy.encode("utf-8")), key_pair_id),
                        float(int(expires_at)))
