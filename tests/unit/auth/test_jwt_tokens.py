import time

import jwt
import pytest

from videoflix.auth.jwt_tokens import ACCESS, LEEWAY_SECONDS, REFRESH, decode_token, issue_token_pair
from videoflix.errors import AuthenticationFailed


def claims_for(settings, **changes):
    now = int(time.time())
    claims = {"iss": settings.jwt_issuer, "aud": settings.jwt_audience, "sub": "1", "iat": now,
              "exp": now + 60, "jti": "abc", "type": ACCESS, "fam": "f", "pwd": "p"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_pair_has_every_claim_and_lifetimes(settings):
    pair = issue_token_pair(5, "hash", settings, now=1_000)
    access = jwt.decode(pair.access, options={"verify_signature": False})
    refresh = jwt.decode(pair.refresh, options={"verify_signature": False})
    assert jwt.get_unverified_header(pair.access)["alg"] == "HS256"
    assert access["type"] == ACCESS and refresh["type"] == REFRESH
    assert access["exp"] - access["iat"] == settings.access_token_lifetime == 1800
    assert refresh["exp"] - refresh["iat"] == settings.refresh_token_lifetime == 7 * 24 * 3600
    assert access["jti"] != refresh["jti"] and access["fam"] == refresh["fam"]
    assert (access["iss"], access["aud"], access["sub"]) == ("videoflix", "videoflix-api", "5")


def test_round_trip(settings):
    pair = issue_token_pair(5, "hash", settings)
    assert decode_token(pair.access, ACCESS, settings)["sub"] == "5"
    assert decode_token(pair.refresh, REFRESH, settings)["sub"] == "5"


def test_type_confusion_is_refused(settings):
    pair = issue_token_pair(5, "hash", settings)
    with pytest.raises(AuthenticationFailed):
        decode_token(pair.access, REFRESH, settings)
    with pytest.raises(AuthenticationFailed):
        decode_token(pair.refresh, ACCESS, settings)


@pytest.mark.parametrize("changes", [
    {"iss": "someone-else"}, {"aud": "other-api"}, {"exp": int(time.time()) - LEEWAY_SECONDS - 5},
    {"jti": None}, {"iat": None}, {"type": None}, {"sub": "admin"}, {"aud": None}, {"iss": None},
])
def test_bad_claims_are_refused(settings, changes):
    token = jwt.encode(claims_for(settings, **changes), settings.secret_key, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        decode_token(token, ACCESS, settings)


@pytest.mark.parametrize("algorithm", ["none", "HS512", "HS384"])
def test_only_hs256_is_accepted(settings, algorithm):
    key = None if algorithm == "none" else settings.secret_key
    token = jwt.encode(claims_for(settings), key, algorithm=algorithm)
    with pytest.raises(AuthenticationFailed):
        decode_token(token, ACCESS, settings)


def test_wrong_secret_and_garbage_are_refused(settings):
    token = jwt.encode(claims_for(settings), "another-secret-another-secret-12345", algorithm="HS256")
    for candidate in (token, "", "a.b.c", "x" * 5000):
        with pytest.raises(AuthenticationFailed):
            decode_token(candidate, ACCESS, settings)


def test_leeway_is_small():
    assert 0 <= LEEWAY_SECONDS <= 30
