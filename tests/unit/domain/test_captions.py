"""Caption files: WebVTT checked line by line, SRT converted, language tags."""
from __future__ import annotations

import pytest

from videoflix.domain.captions import (MAX_CAPTION_BYTES, CaptionError, decode_caption_bytes, normalize_lang,
                                       parse_caption_file)

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
