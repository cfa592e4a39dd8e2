"""The fuzz targets: a Hypothesis strategy and a property per pure parser (`make fuzz`, `make test`).

Each property holds when the parser answers with a value of the documented shape or raises
one of its documented domain errors, and round-trips hold where they apply. bench/fuzz.py
runs them with a large example budget, tests/unit/test_fuzz_properties.py with a small one.
"""
from __future__ import annotations

import json
import string
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable
from urllib.parse import quote_plus

from hypothesis import HealthCheck, given, settings, strategies as st

from videoflix.auth.account_tokens import check_account_token, decode_uid, encode_uid, make_account_token
from videoflix.auth.emails import MAX_EMAIL_LENGTH, email_problems, normalize_email
from videoflix.domain.captions import DURATION_TOLERANCE, CaptionError, CaptionFile, parse_caption_file
from videoflix.domain.hls import is_valid_segment_name, master_variants, rewrite_master, rewrite_playlist, segment_names
from videoflix.domain.transcode_messages import MalformedEvent, UploadedObject, parse_upload_notification
from videoflix.domain.video_ids import MAX_VIDEO_ID, parse_video_id
from videoflix.errors import FieldErrors, InvalidInput, NotFound, PayloadTooLarge
from videoflix.web.cookies import format_set_cookie, parse_cookie_header
from videoflix.web.requests import parse_json_object, require_strings

SECRET = "fuzz-secret-key-that-is-long-enough-for-hmac-0123456789abcdef"
BODY_LIMIT = 64 * 1024  # MAX_BODY_BYTES


@dataclass
class Target:
    name: str
    strategy: st.SearchStrategy
    check: Callable[[Any], None]
    description: str = ""
    cases: int = field(default=0, compare=False)

    def run(self, max_examples: int, *, seconds: float | None = None, chunk: int = 500) -> None:
        """Run the property; raises (with Hypothesis' minimal example) on the first failure.

        With `seconds`, examples run in independent chunks until either budget is spent
        (Hypothesis has no time budget of its own).
        """
        def counted(value: Any) -> None:
            self.cases += 1
            self.check(value)

        stop_at = None if seconds is None else time.monotonic() + seconds
        left = max_examples
        while left > 0 and (stop_at is None or time.monotonic() < stop_at):
            size = left if stop_at is None else min(left, chunk)
            settings(max_examples=size, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))(given(self.strategy)(counted))()
            left -= size


# -- strategies -------------------------------------------------------------------------------
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)), max_leaves=12)
# Text with the characters parsers trip on: NUL, separators, quotes, escapes, non-ASCII, surrogates.
NASTY_CHARACTERS = list('\x00;=,"\\\r\n\t %+/.-:#{}[]') + ["\u00e9", "\u0130", "\u212a", "\ufb01", "\u2028", "\ud800"]
nasty_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(NASTY_CHARACTERS)), max_size=80)


def _as_bytes(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


# Known troublemakers, always in the mix: lone surrogates (escaped and raw), NUL, NaN, deep
# nesting, top-level non-objects, a UTF-16 body, a byte-order mark, invalid UTF-8.
SEED_BODIES = [b'{"a": "\\ud800"}', '{"\ud83d": 1}'.encode("utf-8", "surrogatepass"), b'{"a": "\\u0000"}',
               b'{"a": NaN, "b": -Infinity}', b"[" * 3000 + b"]" * 3000, b'{"a":' * 2000 + b"1" + b"}" * 2000,
               b"[]", b"null", b'"text"', b"1e999", '{"a": 1}'.encode("utf-16"), b"\xef\xbb\xbf{}", b"{\xff}", b""]
raw_bodies = st.one_of(
    st.sampled_from(SEED_BODIES),
    st.binary(max_size=600),
    nasty_text.map(_as_bytes),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(nasty_text, json_values, max_size=5).map(lambda d: json.dumps(d).encode()),
    st.dictionaries(nasty_text, json_values, max_size=5).map(lambda d: json.dumps(d, ensure_ascii=False)
                                                             .encode("utf-8", "surrogatepass")),
)
cookie_names = st.text(alphabet=string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~", min_size=1, max_size=16)
cookie_values = st.text(alphabet=string.ascii_letters + string.digits + "!#$%&'()*+-./:<=>?@[]^_`{|}~",
                        max_size=40)
rungs = st.sampled_from(["480p", "720p", "1080p"])
segment_name = st.from_regex(r"[A-Za-z0-9_-]{1,20}\.ts", fullmatch=True)
playlist_tags = st.sampled_from(["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6", "#EXTINF:6.000000,",
                                 "#EXT-X-ENDLIST", "#EXT-X-PLAYLIST-TYPE:VOD", "# a comment"])


def _event(records: Any) -> str:
    return json.dumps({"Records": records})


s3_records = st.fixed_dictionaries(
    {"eventName": st.one_of(st.sampled_from(["ObjectCreated:Put", "ObjectCreated:CompleteMultipartUpload",
                                             "ObjectRemoved:Delete"]), json_values)},
    optional={"s3": st.one_of(json_values, st.fixed_dictionaries({
        "bucket": st.one_of(json_values, st.fixed_dictionaries({"name": json_values})),
        "object": st.one_of(json_values, st.fixed_dictionaries({"key": json_values},
                                                               optional={"size": json_values})),
    }))})
s3_bodies = st.one_of(
    nasty_text,
    json_values.map(json.dumps),
    st.just(json.dumps({"Event": "s3:TestEvent"})),
    st.one_of(st.lists(s3_records, max_size=3), json_values).map(_event),
)


# Caption files built from the pieces a WebVTT or SRT file is made of, with timestamps whose hours
# run from none to thousands of digits (and non-ASCII digits), so the parser's arithmetic is reached.
# Mostly well-formed fields (so a file gets as far as the arithmetic), now and then a bad one; hours run
# from none to thousands of digits.
_long_hours = st.builds(lambda lead, digit, count: lead + digit * count, st.sampled_from(["", "0", "1", "00"]),
                        st.sampled_from("0123456789"), st.one_of(st.integers(2, 40), st.integers(300, 6000)))
_hours = st.one_of(st.sampled_from([None, None, "00", "01", "10", "1", "\u0661\u0662", "\uff11\uff12", "00\u0660"]),
                   st.from_regex(r"[0-9]{2,4}", fullmatch=True), _long_hours, _long_hours)
_sixty = st.sampled_from(["00", "01", "07", "30", "45", "59", "00", "12", "21", "33", "60", "7", "\u0661\u0662"])
_millis = st.sampled_from(["000", "001", "250", "500", "999", "000", "100", "750", "00", "\u0661\u0662\u0663"])
caption_timestamps = st.builds(lambda h, m, s, ms, sep: (f"{h}:" if h is not None else "") + f"{m}:{s}{sep}{ms}",
                               _hours, _sixty, _sixty, _millis, st.sampled_from([".", ".", ".", ".", ","]))
caption_settings = st.sampled_from(["", "", " align:start", " position:10%,line-left", " line:0", " size:50%",
                                    " vertical:rl", " colour:red", " line:", " region:r1"])
caption_timings = st.builds(lambda a, arrow, b, extra: f"{a}{arrow}{b}{extra}", caption_timestamps,
                            st.sampled_from([" --> "] * 6 + ["\t-->\t", " -> ", "-->"]), caption_timestamps,
                            caption_settings)
caption_junk = st.one_of(st.sampled_from(["", "NOTE a note", "STYLE", "REGION", "1", "Hallo", "<v Anna>Welt</v>",
                                          "\ufeffWEBVTT", "\x00", "\ud800", "-->", "WEBVTT"]), nasty_text)
# A block: an optional identifier, a timing line, its text; now and then a stray line anywhere.
caption_blocks = st.builds(lambda ident, timing, text, junk: [*ident, timing, *text, *junk],
                           st.lists(st.sampled_from(["1", "cue-7", "NOTE x"]), max_size=1), caption_timings,
                           st.lists(st.sampled_from(["Hallo", "<i>Welt</i>", "zwei"]), max_size=2),
                           st.sampled_from([0, 0, 0, 1]).flatmap(lambda n: st.lists(caption_junk, min_size=n,
                                                                                    max_size=n)))
caption_files = st.builds(
    lambda header, blocks, newline: newline.join(header + [line for block in blocks for line in [*block, ""]]),
    st.sampled_from([["WEBVTT", ""]] * 4 + [["WEBVTT - Deutsch", "Kind: captions", ""], [], ["WEBVTT"],
                                            ["junk", ""]]),
    st.lists(caption_blocks, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]))
caption_durations = st.one_of(st.none(), st.floats(0.5, 10**7))


def _cue_stamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


good_caption_cues = st.lists(st.tuples(st.integers(0, 10**8), st.integers(1, 10**6), st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=20)
    .filter(lambda t: t.strip() and "-->" not in t)), min_size=1, max_size=8)


class _User(SimpleNamespace):
    pass


users = st.builds(_User, id=st.integers(1, 10**9), email=st.emails(), password_hash=st.text(max_size=60),
                  is_active=st.booleans())


# -- properties -------------------------------------------------------------------------------
def json_body_is_an_object_or_a_domain_error(raw: bytes) -> None:
    try:
        value = parse_json_object(raw, max_bytes=BODY_LIMIT)
    except PayloadTooLarge:
        assert len(raw) > BODY_LIMIT
        return
    except InvalidInput:
        return
    assert isinstance(value, dict)
    assert len(raw) <= BODY_LIMIT
    _assert_encodable(value)


def _assert_encodable(value: Any) -> None:
    """Every string a body yields can be stored and answered as UTF-8 (no lone surrogates)."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for key, item in value.items():
            _assert_encodable(key)
            _assert_encodable(item)
    elif isinstance(value, list):
        for item in value:
            _assert_encodable(item)


def json_body_round_trips(body: dict) -> None:
    assert parse_json_object(json.dumps(body).encode(), max_bytes=10**7) == body
    assert parse_json_object(json.dumps(body, ensure_ascii=False), max_bytes=10**7) == body


def required_strings_or_field_errors(case: tuple[dict, list[str]]) -> None:
    body, names = case
    try:
        values = require_strings(body, *names)
    except FieldErrors as exc:
        assert exc.fields and set(exc.fields) <= set(names)
        assert all(messages and all(isinstance(m, str) for m in messages) for messages in exc.fields.values())
        return
    assert set(values) == set(names)
    assert all(isinstance(values[n], str) and values[n] == body[n] and values[n] for n in names)


def cookie_header_never_fails(header: str) -> None:
    cookies = parse_cookie_header(header)
    assert isinstance(cookies, dict)
    for name, value in cookies.items():
        assert name and isinstance(value, str)
        assert ";" not in name and ";" not in value


def cookie_header_round_trips(pairs: list[tuple[str, str]]) -> None:
    expected: dict[str, str] = {}
    for name, value in pairs:
        expected.setdefault(name, value)
    assert parse_cookie_header("; ".join(f"{n}={v}" for n, v in pairs)) == expected
    for name, value in pairs:
        cookie = format_set_cookie(name, value, max_age=60, http_only=True, secure=True)
        assert parse_cookie_header(cookie)[name] == value


def s3_event_is_objects_or_malformed(body: str) -> None:
    try:
        objects = parse_upload_notification(body)
    except MalformedEvent:
        return
    assert isinstance(objects, list)
    for item in objects:
        assert isinstance(item, UploadedObject)
        assert isinstance(item.bucket, str) and isinstance(item.key, str)
        assert item.size is None or (isinstance(item.size, int) and not isinstance(item.size, bool))


def s3_event_round_trips(case: tuple[str, str, int]) -> None:
    bucket, key, size = case
    body = _event([{"eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key), "size": size}}}])
    assert parse_upload_notification(body) == [UploadedObject(bucket, key, size)]


def playlist_rewrite_keeps_tags(playlist: str) -> None:
    rewritten = rewrite_playlist(playlist, lambda uri: f"https://media.example/{len(uri)}")
    assert rewritten.endswith("\n")
    before, after = playlist.splitlines(), rewritten.splitlines()
    if not before:
        assert rewritten == "\n"
        return
    assert len(after) == len(before)
    for old, new in zip(before, after):
        if not old.strip() or old.strip().startswith("#"):
            assert new == old
        else:
            assert new == f"https://media.example/{len(old.strip())}"
    assert segment_names(rewrite_playlist(playlist, lambda uri: uri)) == segment_names(playlist)
    assert all(isinstance(v, str) for v in master_variants(playlist))
    rewrite_master(playlist, lambda rung: rung)


def playlist_round_trips(lines: list[str]) -> None:
    playlist = "\n".join(lines) + "\n"
    assert rewrite_playlist(playlist, lambda uri: uri) == playlist
    names = [line for line in lines if not line.startswith("#")]
    assert segment_names(playlist) == names
    signed = rewrite_playlist(playlist, lambda uri: f"https://s3.example/{uri}?X-Amz-Signature=x")
    assert segment_names(signed) == [f"https://s3.example/{n}?X-Amz-Signature=x" for n in names]


def master_round_trips(variants: list[str]) -> None:
    master = "#EXTM3U\n" + "".join(f"#EXT-X-STREAM-INF:BANDWIDTH=1\n{rung}/index.m3u8\n" for rung in variants)
    assert master_variants(master) == variants
    pointed = rewrite_master(master, lambda rung: f"https://api.example/api/video/1/{rung}/index.m3u8")
    assert segment_names(pointed) == [f"https://api.example/api/video/1/{r}/index.m3u8" for r in variants]


def segment_names_are_safe(name: str) -> None:
    if is_valid_segment_name(name):
        assert name.endswith(".ts") and name.isascii()
        assert not any(bad in name for bad in ("/", "\\", "..", "%", "\x00", "\n"))


def video_id_is_in_range_or_not_found(raw: str) -> None:
    try:
        value = parse_video_id(raw)
    except NotFound:
        return
    assert 0 < value <= MAX_VIDEO_ID and str(value) == raw.lstrip("0")


def uid_decodes_to_a_positive_id_or_none(raw: str) -> None:
    value = decode_uid(raw)
    assert value is None or (isinstance(value, int) and 0 < value < 10**18)


def uid_round_trips(user_id: int) -> None:
    assert decode_uid(encode_uid(user_id)) == user_id


def account_token_check_is_a_boolean(case: tuple[_User, str]) -> None:
    user, token = case
    for purpose in ("activation", "password_reset"):
        assert check_account_token(user, token, purpose, SECRET, max_age=3600) in (True, False)


def account_token_round_trips(case: tuple[_User, int, int]) -> None:
    user, position, replacement = case
    now = 1_800_000_000
    token = make_account_token(user, "activation", SECRET, now=now)
    assert check_account_token(user, token, "activation", SECRET, max_age=60, now=now + 30)
    assert not check_account_token(user, token, "activation", SECRET, max_age=60, now=now + 61)
    assert not check_account_token(user, token, "password_reset", SECRET, max_age=60, now=now)
    assert not check_account_token(user, token, "activation", SECRET + "x", max_age=60, now=now)
    index = position % len(token)
    tampered = token[:index] + "0123456789abcdef-"[replacement % 17] + token[index + 1:]
    if tampered != token:
        assert not check_account_token(user, tampered, "activation", SECRET, max_age=60, now=now)


def email_normalisation_is_safe(raw: str) -> None:
    email = normalize_email(raw)
    problems = email_problems(email)
    assert isinstance(problems, list)
    if not problems:
        # Accepted addresses are plain ASCII: a look-alike never matches another account.
        assert email.isascii() and email == email.lower() and email == email.strip()
        assert len(email) <= MAX_EMAIL_LENGTH and normalize_email(email) == email


def email_variants_match(email: str) -> None:
    """Case, surrounding blanks and compatibility forms (full-width) find the same account."""
    canonical = normalize_email(email)
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in email)
    for variant in (email.upper(), f"  {email}\t", full_width):
        assert normalize_email(variant) == canonical


def caption_file_is_a_track_or_names_its_line(case: tuple[str, float | None]) -> None:
    """Any caption text is a checked track or a CaptionError naming a line of it (a 400, never a 500)."""
    content, duration = case
    try:
        parsed = parse_caption_file(content, duration)
    except CaptionError as exc:
        lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        assert 0 <= exc.line <= len(lines) and str(exc)
        return
    assert isinstance(parsed, CaptionFile) and parsed.cues
    parsed.text.encode("utf-8")
    assert parsed.text.startswith("WEBVTT") and parsed.text.endswith("\n")
    for before, cue in zip((None, *parsed.cues), parsed.cues):
        assert 0 <= cue.start < cue.end and (before is None or before.start <= cue.start)
        assert duration is None or cue.end <= duration + DURATION_TOLERANCE
    # What is stored parses again to the same cues (a player reads what was checked).
    again = parse_caption_file(parsed.text, duration)
    assert [(c.start, c.end) for c in again.cues] == [(c.start, c.end) for c in parsed.cues]
    assert not again.converted_from_srt


def caption_timing_is_a_cue_or_names_its_line(case: tuple[str, str, str]) -> None:
    """Any timing line, in a WebVTT or an SRT file, is a cue or a refusal naming that line."""
    timing, payload, kind = case
    content = f"WEBVTT\n\n{timing}\n{payload}\n" if kind == "vtt" else f"1\n{timing}\n{payload}\n"
    try:
        parsed = parse_caption_file(content, None)
    except CaptionError as exc:
        assert exc.line in ((3, 4, 5) if kind == "vtt" else (1, 2, 3, 4)), str(exc)
        return
    assert len(parsed.cues) == 1 and 0 <= parsed.cues[0].start < parsed.cues[0].end
    stored = parsed.text.split("\n")[2 if kind == "vtt" else 3]
    assert stored.isascii() and stored.split("-->")[0].strip().replace(":", "").replace(".", "").isdigit()


def caption_cues_round_trip(case: tuple[list[tuple[int, int, str]], bool]) -> None:
    """Cues written as WebVTT (or SRT, whose hours have two digits) come back with their times."""
    cues, srt = case
    start, expected, blocks = 0, [], []
    for gap, length, _ in cues:
        start += gap
        expected.append((start / 1000, (start + length) / 1000))
    srt = srt and expected[-1][1] < 100 * 3600
    for number, ((begin, end), (_, _, text)) in enumerate(zip(expected, cues), 1):
        timing = f"{_cue_stamp(begin)} --> {_cue_stamp(end)}"
        blocks.append(f"{number}\n{timing.replace('.', ',') if srt else timing}\n{text.strip()}")
    content = "\n\n".join(blocks) + "\n" if srt else "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"
    parsed = parse_caption_file(content, None)
    assert parsed.converted_from_srt == srt and len(parsed.cues) == len(expected)
    for cue, (begin, end) in zip(parsed.cues, expected):
        assert abs(cue.start - begin) < 1e-6 and abs(cue.end - end) < 1e-6


TARGETS = [
    Target("json_body", raw_bodies, json_body_is_an_object_or_a_domain_error,
           "web/requests.parse_json_object on any bytes"),
    Target("json_body_roundtrip", st.dictionaries(st.text(max_size=10), json_values, max_size=6),
           json_body_round_trips, "JSON objects parse back to themselves"),
    Target("required_strings", st.tuples(st.dictionaries(st.sampled_from(["email", "password", "x"]), json_values),
                                         st.lists(st.sampled_from(["email", "password"]), min_size=1, unique=True)),
           required_strings_or_field_errors, "web/requests.require_strings"),
    Target("cookie_header", nasty_text, cookie_header_never_fails, "web/cookies.parse_cookie_header on any text"),
    Target("cookie_roundtrip", st.lists(st.tuples(cookie_names, cookie_values), max_size=6),
           cookie_header_round_trips, "Cookie and Set-Cookie values parse back"),
    Target("s3_event", s3_bodies, s3_event_is_objects_or_malformed, "videos/events on any SQS body"),
    Target("s3_event_roundtrip", st.tuples(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=60),
                                           st.integers(0, 10**12)),
           s3_event_round_trips, "quote_plus-encoded keys decode back"),
    Target("playlist", nasty_text, playlist_rewrite_keeps_tags, "videos/playlist rewriting of any text"),
    Target("playlist_roundtrip", st.lists(st.one_of(playlist_tags, segment_name), max_size=12),
           playlist_round_trips, "identity rewrite and presigned rewrite"),
    Target("master_roundtrip", st.lists(rungs, max_size=3), master_round_trips, "master playlist variants"),
    Target("segment_name", nasty_text, segment_names_are_safe, "segment names never escape their folder"),
    Target("video_id", st.one_of(nasty_text, st.integers(-10, 2**40).map(str), st.sampled_from(["²", "1²", "０"])),
           video_id_is_in_range_or_not_found, "videos/ids.parse_video_id on any path segment"),
    Target("uid", nasty_text, uid_decodes_to_a_positive_id_or_none, "auth/account_tokens.decode_uid on any text"),
    Target("uid_roundtrip", st.integers(1, 10**18 - 1), uid_round_trips, "encode_uid/decode_uid"),
    Target("account_token", st.tuples(users, st.one_of(
               nasty_text, st.from_regex(r"[0-9a-z]{1,8}-[0-9a-f]{40}", fullmatch=True),
               st.tuples(st.from_regex(r"[0-9a-z]{1,8}", fullmatch=True), nasty_text).map("-".join))),
           account_token_check_is_a_boolean, "check_account_token on any token"),
    Target("account_token_roundtrip", st.tuples(users, st.integers(0, 100), st.integers(0, 100)),
           account_token_round_trips, "made tokens verify; expired, tampered, foreign ones do not"),
    Target("email", nasty_text, email_normalisation_is_safe, "auth/emails normalisation and validation"),
    Target("email_variants", st.emails(), email_variants_match, "case, blanks and full-width forms match"),
    Target("caption_file", st.tuples(caption_files, caption_durations), caption_file_is_a_track_or_names_its_line,
           "domain/captions.parse_caption_file on any WebVTT/SRT-like text"),
    Target("caption_timing", st.tuples(caption_timings, st.sampled_from(["x", "<i>Hallo</i>", "2"]),
                                       st.sampled_from(["vtt", "srt"])),
           caption_timing_is_a_cue_or_names_its_line, "one cue timing line of any hours, digits and settings"),
    Target("caption_roundtrip", st.tuples(good_caption_cues, st.booleans()), caption_cues_round_trip,
           "WebVTT and SRT cues parse back to their times"),
]

