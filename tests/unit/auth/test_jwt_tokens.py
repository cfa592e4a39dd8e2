import time

import jwt
import pytest

from tests.support.fresh_interpreter import fresh_python_output
from videoflix.auth.jwt_tokens import (ACCESS, LEEWAY_SECONDS, REFRESH, REQUIRED_CLAIMS, InvalidToken, decode_token,
                                       encode_hs256, issue_token_pair, verify_hs256)
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


# ---------------------------------------------------------------- the same tokens and checks as PyJWT (issue 25)
def test_tokens_are_byte_for_byte_what_pyjwt_writes(settings):
    pair = issue_token_pair(7, "hash", settings, now=1_000)
    for token in (pair.access, pair.refresh):
        claims = jwt.decode(token, settings.secret_key, algorithms=["HS256"], audience=settings.jwt_audience,
                            options={"verify_exp": False})
        assert jwt.encode(claims, settings.secret_key, algorithm="HS256") == token
    odd = claims_for(settings, pad="é \u2028 \" \\ ✓", nested={"a": [1, 2.5, None, True]})
    assert encode_hs256(odd, settings.secret_key) == jwt.encode(odd, settings.secret_key, algorithm="HS256")


@pytest.mark.parametrize("changes", [
    {}, {"iat": time.time() + 5}, {"iat": time.time() + 60}, {"iat": "12"}, {"iat": "x"}, {"iat": [1]},
    {"exp": time.time() - 5}, {"exp": time.time() - 60}, {"exp": "soon"}, {"nbf": time.time() + 60},
    {"nbf": time.time()}, {"nbf": "x"}, {"aud": ["other", "videoflix-api"]}, {"aud": ["other"]}, {"aud": 5},
    {"aud": [5]}, {"aud": ""}, {"iss": 5}, {"iss": "other"}, {"sub": 5}, {"jti": 5}, {"fam": None},
    {"type": None}, {"exp": None}, {"iat": None}, {"jti": None}, {"sub": None}, {"iss": None}, {"aud": None},
])
def test_claims_are_checked_as_pyjwt_checks_them(settings, changes):
    claims = claims_for(settings, **changes)
    token = jwt.encode(claims, settings.secret_key, algorithm="HS256") if not isinstance(claims.get("iss"), int) \
        else encode_hs256(claims, settings.secret_key)  # PyJWT refuses to write a number as iss
    try:
        jwt.decode(token, settings.secret_key, algorithms=["HS256"], audience=settings.jwt_audience,
                   issuer=settings.jwt_issuer, leeway=LEEWAY_SECONDS, options={"require": list(REQUIRED_CLAIMS)})
        pyjwt_accepts = True
    except jwt.PyJWTError:
        pyjwt_accepts = False
    try:
        verify_hs256(token, settings.secret_key, audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                     leeway=LEEWAY_SECONDS)
        accepts = True
    except InvalidToken:
        accepts = False
    assert accepts == pyjwt_accepts


@pytest.mark.parametrize("mangle", [
    lambda t: t + "=", lambda t: t.replace(".", "..", 1), lambda t: t[: t.rindex(".")], lambda t: t + ".x",
    lambda t: "é" + t, lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
])
def test_mangled_tokens_are_refused(settings, mangle):
    token = issue_token_pair(7, "hash", settings).access
    assert decode_token(token, ACCESS, settings)["sub"] == "7"
    with pytest.raises(AuthenticationFailed):
        decode_token(mangle(token), ACCESS, settings)


def test_headers_other_than_pyjwts_hs256_are_refused(settings):
    claims = claims_for(settings)
    for headers in ({"crit": ["exp"]}, {"b64": False}, {"alg": "HS512"}):
        token = jwt.encode(claims, settings.secret_key, algorithm="HS256", headers=headers) \
            if "alg" not in headers else jwt.encode(claims, settings.secret_key, algorithm="HS512")
        with pytest.raises(AuthenticationFailed):
            decode_token(token, ACCESS, settings)


def test_signing_and_checking_tokens_loads_neither_pyjwt_nor_cryptography():
    """Only CloudFront signing needs cryptography; PyJWT imports it whenever it is installed."""
    script = ("import sys; from videoflix.auth import jwt_tokens; from videoflix.settings import load_settings; "
              "s = load_settings({'SECRET_KEY': 'k' * 40}); "
              "t = jwt_tokens.issue_token_pair(1, 'h', s).access; jwt_tokens.decode_token(t, 'access', s); "
              "print(sorted(m for m in ('jwt', 'cryptography') if m in sys.modules))")
    assert fresh_python_output(script).strip() == "[]"
