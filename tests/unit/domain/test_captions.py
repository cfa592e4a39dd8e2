"""Caption files: WebVTT checked line by line, SRT converted, language tags."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from videoflix.domain.captions import (MAX_CAPTION_BYTES, CaptionError, decode_caption_bytes, normalize_lang,
                                       parse_caption_file)
from videoflix_tools.testing.fuzz_targets import (caption_cues_round_trip, caption_durations, caption_files,
                                                  caption_file_is_a_track_or_names_its_line,
                                                  caption_timing_is_a_cue_or_names_its_line, caption_timings,
                                                  good_caption_cues)

GOOD = "WEBVTT - Deutsch\nKind: captions\n\nNOTE a comment\n\nSTYLE\n::cue { color: yellow }\n\n" \
       "1\n00:01.000 --> 00:04.000 align:start position:10%,line-left line:0 size:50% vertical:rl\nHallo\n\n" \
       "00:00:05.000 --> 00:00:09.500\n<v Anna>Welt</v>\nzwei Zeilen\n"


def test_a_good_file_is_kept_as_it_is():
    parsed = parse_caption_file("\ufeff" + GOOD.replace("\n", "\r\n"), duration=10)
    assert parsed.text == GOOD and [(c.start, c.end, c.line) for c in parsed.cues] == [(1, 4, 10), (5, 9.5, 13)]
    assert not parsed.converted_from_srt


def test_srt_becomes_webvtt():
    srt = "1\n00:00:01,000 --> 00:00:02,500\nHi\n\n2\n00:00:03,000 --> 00:00:04,000\nThere\n"
    parsed = parse_caption_file(srt, duration=10)
    assert parsed.converted_from_srt
    assert parsed.text == ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHi\n\n2\n00:00:03.000 --> 00:00:04.000\n"
                           "There\n")


@pytest.mark.parametrize("content, message", [
    ("WEBVT\n\n00:01.000 --> 00:02.000\nx\n", "line 1: a WebVTT file starts with the line WEBVTT"),
    ("WEBVTT\n00:01.000 --> 00:02.000\nx\n", "line 2: a blank line must separate"),
    ("WEBVTT\n\n00:01.000 -> 00:02.000\nx\n", "line 3: expected a cue timing line"),
    ("WEBVTT\n\nid\ntext only\n", "line 4: expected a cue timing line"),
    ("WEBVTT\n\n00:01.00 --> 00:02.000\nx\n", "line 3: bad cue timing"),
    ("WEBVTT\n\n00:61.000 --> 00:62.000\nx\n", "line 3: bad cue timing"),
    ("WEBVTT\n\n00:02.000 --> 00:01.000\nx\n", "line 3: the cue ends before it starts"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000 colour:red\nx\n", "line 3: bad cue setting 'colour:red'"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000 align:middle\nx\n", "line 3: bad cue setting"),
    ("WEBVTT\n\n00:05.000 --> 00:06.000\nx\n\n00:01.000 --> 00:02.000\ny\n", "line 6: cues must be in order"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n00:03.000 --> 00:04.000\ny\n", "line 5: a cue's text may not contain -->"),
    ("WEBVTT\n\n00:08.000 --> 00:12.000\nx\n", "line 3: the cue ends at 12.000 s, after the film (10.000 s)"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\nSTYLE\n::cue {}\n", "line 6: STYLE blocks must come before"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\0\n", "line 4: null characters"),
    ("WEBVTT\n\nNOTE nothing else\n", "line 4: the file has no cues"),
    ("1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:01,000 --> 00:00:00,500\nbad\n", "line 6: the cue ends before"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\n\ud800\n", "line 4: not valid UTF-8"),
])
def test_a_bad_file_names_its_first_bad_line(content, message):
    with pytest.raises(CaptionError) as refused:
        parse_caption_file(content, duration=10)
    assert str(refused.value).startswith(message), str(refused.value)


def test_size_and_encoding_of_a_file_read_from_disk():
    with pytest.raises(CaptionError, match="larger than 2 MB"):
        parse_caption_file("WEBVTT\n\n" + "x" * MAX_CAPTION_BYTES, duration=None)
    with pytest.raises(CaptionError, match="line 3: not valid UTF-8"):
        decode_caption_bytes(b"WEBVTT\n\n\xff\xfe\n")
    assert decode_caption_bytes("\ufeffWEBVTT\n".encode()) == "WEBVTT\n"


@pytest.mark.parametrize("raw, expected", [
    ("de", "de"), ("EN-gb", "en-GB"), ("pt-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419"),
    ("d", None), ("de_DE", None), ("english", None), ("de-", None), ("", None), ("de/../x", None), ("x" * 40, None),
])
def test_language_tags(raw, expected):
    assert normalize_lang(raw) == expected


# -- property-based: any input is a track or a CaptionError naming its line --------------------------
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.tuples(caption_files, caption_durations))
def test_any_caption_text_is_a_track_or_a_refusal_naming_its_line(case):
    caption_file_is_a_track_or_names_its_line(case)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.tuples(caption_timings, st.sampled_from(["x", "2"]), st.sampled_from(["vtt", "srt"])))
def test_any_timing_line_is_a_cue_or_a_refusal_naming_its_line(case):
    caption_timing_is_a_cue_or_names_its_line(case)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(st.tuples(good_caption_cues, st.booleans()))
def test_written_cues_parse_back_to_their_times(case):
    caption_cues_round_trip(case)


@pytest.mark.parametrize("hours", ["1" * 5000, "9" * 400, "1" * 10])
def test_an_overlong_hour_is_a_refusal_naming_the_line(hours):
    """int() of a 5,000-digit hour raised ValueError, a 400-digit one OverflowError: both were 500s."""
    content = f"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\n{hours}:00:01.000 --> {hours}:00:02.000\ny\n"
    with pytest.raises(CaptionError) as refused:
        parse_caption_file(content, duration=None)
    assert str(refused.value).startswith("line 6: bad cue timing: the hours of a timestamp have at most 9 digits")


def test_leading_zeros_of_an_hour_are_no_digits_too_many():
    parsed = parse_caption_file("WEBVTT\n\n" + "0" * 5000 + "1:00:00.000 --> 01:00:01.500\nx\n", duration=None)
    assert [(c.start, c.end) for c in parsed.cues] == [(3600, 3601.5)]


@pytest.mark.parametrize("timing", ["\u0661\u0662:00:00.000 --> 12:00:13.000", "00:01.000 --> 00:0\uff12.000",
                                    "\u0661\u0662:00:01,000 --> 12:00:02,000"])
def test_timestamps_are_ascii_digits(timing):
    """A player reads only ASCII digits (WebVTT); other Unicode digits were accepted and stored."""
    header = "" if "," in timing else "WEBVTT\n\n"
    with pytest.raises(CaptionError, match="line"):
        parse_caption_file(f"{header}1\n{timing}\nx\n" if not header else f"{header}{timing}\nx\n", duration=None)
