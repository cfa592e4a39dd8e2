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


def test_a_successor_pair_is_the_same_each_time_it_is_issued(settings):
    """Two tabs presenting one refresh token at once must get the very same new pair."""
    first = issue_token_pair(5, "hash", settings, family="fam", now=1_000.7, successor_of="r1")
    again = issue_token_pair(5, "hash", settings, family="fam", now=1_000.7, successor_of="r1")
    assert (first.access, first.refresh) == (again.access, again.refresh)
    other = issue_token_pair(5, "hash", settings, family="fam", now=1_000.7, successor_of="r2")
    fresh = issue_token_pair(5, "hash", settings, family="fam", now=1_000.7)
    claims = [jwt.decode(token, options={"verify_signature": False})
              for pair in (first, other, fresh) for token in (pair.access, pair.refresh)]
    assert len({c["jti"] for c in claims}) == 6 and "r1" not in {c["jti"] for c in claims}
    assert {c["iat"] for c in claims} == {1_000} and {c["fam"] for c in claims} == {"fam"}


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
    {"fam": None}, {"fam": 7}, {"fam": ""}, {"fam": "f" * 65},
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
