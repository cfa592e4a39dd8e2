"""`videoflix captions add|list|remove` against the API over HTTP."""
from __future__ import annotations

import pytest

from tests.integration.cli.conftest import STAFF_EMAIL, STAFF_PASSWORD, one_line_error

pytestmark = pytest.mark.integration
VTT = "WEBVTT\n\n00:01.000 --> 00:04.000\nHallo\n"


@pytest.fixture
def logged_in(staff_user, api_url, videoflix, monkeypatch):
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", STAFF_PASSWORD)
    assert videoflix("login", "--api", api_url, "--email", STAFF_EMAIL).code == 0


@pytest.fixture
def film(ready_row) -> int:
    return ready_row(duration=10.0)


def test_add_list_and_remove(logged_in, videoflix, film, tmp_path):
    vtt, srt = tmp_path / "de.vtt", tmp_path / "en.srt"
    vtt.write_text(VTT, encoding="utf-8")
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    added = videoflix("captions", "add", str(film), str(vtt), "--lang", "de", "--label", "Deutsch")
    assert added.code == 0 and added.out.strip() == f"Captions de (Deutsch) added to video {film}: 1 cues."
    added = videoflix("captions", "add", str(film), str(srt), "--lang", "en-gb", "--label", "English", "--default")
    assert added.code == 0 and "en-GB (English, the default)" in added.out
    listed = videoflix("captions", "list", str(film))
    assert listed.code == 0
    assert listed.out.splitlines() == ["LANG   LABEL    DEFAULT  CUES", "de     Deutsch           1",
                                       "en-GB  English  yes      1"]
    removed = videoflix("captions", "remove", str(film), "de")
    assert removed.code == 0 and removed.out.strip() == f"Captions de removed from video {film}."
    assert [line.split()[0] for line in videoflix("captions", "list", str(film)).out.splitlines()[1:]] == ["en-GB"]


def test_a_bad_file_is_one_line_naming_the_line(logged_in, videoflix, film, tmp_path):
    bad = tmp_path / "bad.vtt"
    bad.write_text("WEBVTT\n\n00:01.000 --> 00:04.000\nok\n\n00:03.000 --> 00:99.000\nbad\n", encoding="utf-8")
    line = one_line_error(videoflix("captions", "add", str(film), str(bad), "--lang", "de"))
    assert "400" in line and "content: line 6: bad cue timing" in line
    latin1 = tmp_path / "latin1.vtt"
    latin1.write_bytes("WEBVTT\n\n00:01.000 --> 00:02.000\nSchön\n".encode("latin-1"))
    assert "latin1.vtt: line 4: not valid UTF-8" in one_line_error(
        videoflix("captions", "add", str(film), str(latin1), "--lang", "de"))
    assert "cannot read" in one_line_error(videoflix("captions", "add", str(film), str(tmp_path / "no.vtt"),
                                                     "--lang", "de"))
    assert "404" in one_line_error(videoflix("captions", "remove", str(film), "fr"))


def test_a_bad_language_tag_is_refused_before_any_call(videoflix, capsys):
    with pytest.raises(SystemExit) as exited:
        videoflix("captions", "add", "1", "x.vtt", "--lang", "german")
    assert exited.value.code == 2 and "a language tag such as de" in capsys.readouterr().err
