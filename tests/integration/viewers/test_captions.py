"""Captions: the admin API's checks, the subtitles group of the master playlist, the subtitle playlists."""
from __future__ import annotations

import re

import pytest
import requests

from tests.integration.viewers.conftest import SINGLE_MASTER
from videoflix.adapters.aws import aws_client
from videoflix.domain.hls import segment_names

pytestmark = pytest.mark.integration
VTT = "WEBVTT\n\n00:01.000 --> 00:04.000\nHallo\n\n00:05.000 --> 00:09.000 align:start\nWelt\n"
FANNED_MASTER = ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                 '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",'
                 'URI="audio/index.m3u8"\n\n#EXT-X-STREAM-INF:BANDWIDTH=900000,RESOLUTION=854x480,AUDIO="audio"\n'
                 '480p/index.m3u8\n\n#EXT-X-STREAM-INF:BANDWIDTH=1900000,RESOLUTION=1280x720,AUDIO="audio"\n'
                 "720p/index.m3u8\n")


def add(staff_client, video_id, lang="de", label="Deutsch", default=False, content=VTT):
    return staff_client.post(f"/api/admin/videos/{video_id}/captions/",
                             {"lang": lang, "label": label, "default": default, "content": content})


def undigested(keys: list[str]) -> list[str]:
    """The keys without the digest their file names carry (`de.<16 hex>.vtt` is `de.vtt`)."""
    return [re.sub(r"\.[0-9a-f]{16}\.vtt$", ".vtt", key) for key in keys]


def stored_keys(services, video_id) -> list[str]:
    answer = aws_client("s3", services.settings).list_objects_v2(
        Bucket=services.settings.media_bucket, Prefix=f"videos/{video_id}/captions/")
    return [item["Key"] for item in answer.get("Contents", [])]


def assert_subtitles_group(master: str, video_id: int, langs: dict[str, tuple[str, bool]]) -> None:
    lines = master.splitlines()
    media = [l for l in lines if l.startswith("#EXT-X-MEDIA:TYPE=SUBTITLES")]
    assert media == [f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="{name}",LANGUAGE="{lang}",'
                     f'DEFAULT={"YES" if default else "NO"},AUTOSELECT=YES,'
                     f'URI="http://testserver/api/video/{video_id}/subtitles/{lang}/index.m3u8"'
                     for lang, (name, default) in langs.items()]
    variants = [l for l in lines if l.startswith("#EXT-X-STREAM-INF")]
    assert variants and all('SUBTITLES="subs"' in l for l in variants)


def test_staff_add_list_and_remove_captions(services, staff_client, viewer, ready_film):
    film = ready_film(duration=10.0)
    answer = add(staff_client, film)
    assert answer.status == 201, answer.text
    assert {k: answer.json[k] for k in ("lang", "label", "default", "cues")} == \
        {"lang": "de", "label": "Deutsch", "default": False, "cues": 2}
    assert requests.get(answer.json["url"], timeout=10).text == VTT
    srt = "1\n00:00:01,000 --> 00:00:02,000\nHello\n"
    assert add(staff_client, film, lang="en-gb", label="English", default=True, content=srt).status == 201
    listed = staff_client.get(f"/api/admin/videos/{film}/captions/").json
    assert [(c["lang"], c["default"]) for c in listed] == [("de", False), ("en-GB", True)]
    assert undigested(stored_keys(services, film)) == [f"videos/{film}/captions/de.vtt",
                                                       f"videos/{film}/captions/en-GB.vtt"]
    english = requests.get(listed[1]["url"], timeout=10)
    assert english.text.startswith("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000") and "text/vtt" in \
        english.headers["Content-Type"]
    # Replacing a language keeps one track; a new default takes the flag from the other.
    assert add(staff_client, film, label="Deutsch (neu)", default=True).status == 201
    listed = staff_client.get(f"/api/admin/videos/{film}/captions/").json
    assert [(c["lang"], c["label"], c["default"]) for c in listed] == [("de", "Deutsch (neu)", True),
                                                                      ("en-GB", "English", False)]
    assert staff_client.delete(f"/api/admin/videos/{film}/captions/en-GB/").status == 204
    assert staff_client.delete(f"/api/admin/videos/{film}/captions/en-GB/").status == 404
    assert [c["lang"] for c in staff_client.get(f"/api/admin/videos/{film}/captions/").json] == ["de"]
    # The removed track's file stays until every URL of it has expired (the sweeper deletes it then).
    assert undigested(stored_keys(services, film)) == [f"videos/{film}/captions/de.vtt",
                                                       f"videos/{film}/captions/en-GB.vtt"]
    # Viewers are not staff.
    assert add(viewer, film).status == 403 and viewer.get(f"/api/admin/videos/{film}/captions/").status == 403


@pytest.mark.parametrize("content, message", [
    ("WEBVTX\n\n00:01.000 --> 00:02.000\nx\n", "line 1: a WebVTT file starts with the line WEBVTT"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\n00:03.000 --> 00:2.000\ny\n", "line 6: bad cue timing"),
    ("WEBVTT\n\n00:03.000 --> 00:04.000\nx\n\n00:01.000 --> 00:02.000\ny\n", "line 6: cues must be in order"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000 colour:red\nx\n", "line 3: bad cue setting"),
    ("WEBVTT\n\n00:08.000 --> 00:11.000\nx\n", "line 3: the cue ends at 11.000 s, after the film (10.000 s)"),
    ("WEBVTT\n\n00:01.000 --> 00:02.000\n\ud800\n", "line 4: not valid UTF-8"),
    ("WEBVTT\n\n" + "x" * (2 * 1024 * 1024), "The file is larger than 2 MB."),
])
def test_a_bad_file_is_a_400_naming_its_first_bad_line(services, staff_client, ready_film, content, message):
    film = ready_film(duration=10.0)
    if "\ud800" in content:  # a lone surrogate, as JSON can carry it
        answer = staff_client.request("POST", f"/api/admin/videos/{film}/captions/", raw=(
            '{"lang": "de", "content": "WEBVTT\\n\\n00:01.000 --> 00:02.000\\n\\ud800\\n"}').encode())
        assert answer.status == 400  # refused with the body, before the file is read
        return
    answer = add(staff_client, film, content=content)
    assert answer.status == 400 and list(answer.json) == ["content"], answer.text
    assert answer.json["content"][0].startswith(message)
    assert stored_keys(services, film) == []


@pytest.mark.parametrize("hours", ["1" * 5000, "9" * 400])
def test_an_overlong_hour_is_a_400_naming_its_line(services, staff_client, ready_film, hours):
    """A cue timestamp with a 5,000-digit hour (past int()'s digit limit) or a 400-digit one (past a
    float) answered 500; it is a 400 naming the line, and nothing is stored."""
    film = ready_film(duration=10.0)
    content = f"WEBVTT\n\n00:01.000 --> 00:02.000\nx\n\n{hours}:00:01.000 --> {hours}:00:02.000\ny\n"
    answer = add(staff_client, film, content=content)
    assert answer.status == 400 and list(answer.json) == ["content"], answer.text
    assert answer.json["content"][0].startswith("line 6: bad cue timing: the hours of a timestamp have at most 9")
    assert stored_keys(services, film) == []
    assert staff_client.get(f"/api/admin/videos/{film}/captions/").json == []


@pytest.mark.parametrize("body, field", [
    ({"lang": "deutsch"}, "lang"), ({"lang": "de_DE"}, "lang"), ({"lang": None}, "lang"),
    ({"label": 'Say "hi"'}, "label"), ({"label": "a\nb"}, "label"), ({"label": "x" * 101}, "label"),
    ({"default": "yes"}, "default"), ({"content": ""}, "content"), ({"content": 7}, "content"),
])
def test_bad_fields_are_400s(staff_client, ready_film, body, field):
    full = {"lang": "de", "label": "Deutsch", "default": False, "content": VTT, **body}
    answer = staff_client.post(f"/api/admin/videos/{ready_film()}/captions/", full)
    assert answer.status == 400 and list(answer.json) == [field], answer.text


def test_unknown_film_is_404_and_one_without_duration_409(services, staff_client, ready_film):
    assert add(staff_client, 999999).status == 404
    assert staff_client.get("/api/admin/videos/999999/captions/").status == 404
    assert staff_client.delete("/api/admin/videos/999999/captions/de/").status == 404
    waiting = ready_film(status="awaiting_upload", duration=None)
    assert add(staff_client, waiting).status == 409


def test_the_master_playlist_carries_the_subtitles_group(staff_client, viewer, ready_film):
    single, fanned = ready_film(duration=10.0), ready_film(duration=10.0, master=FANNED_MASTER)
    before = viewer.get(f"/api/video/{single}/master.m3u8").text
    assert "SUBTITLES" not in before  # without captions, the master is what it was
    for film in (single, fanned):
        assert add(staff_client, film, lang="en", label="English", default=True).status == 201
        assert add(staff_client, film).status == 201
        master = viewer.get(f"/api/video/{film}/master.m3u8").text
        assert_subtitles_group(master, film, {"de": ("Deutsch", False), "en": ("English", True)})
    fanned_master = viewer.get(f"/api/video/{fanned}/master.m3u8").text
    assert f'URI="http://testserver/api/video/{fanned}/audio/index.m3u8"' in fanned_master
    assert fanned_master.index("TYPE=AUDIO") < fanned_master.index("TYPE=SUBTITLES")
    # Removing a track takes it out of the master at once.
    assert staff_client.delete(f"/api/admin/videos/{single}/captions/de/").status == 204
    assert_subtitles_group(viewer.get(f"/api/video/{single}/master.m3u8").text, single, {"en": ("English", True)})


def test_the_subtitle_playlist_is_one_presigned_webvtt_segment_cached_per_file(services, staff_client, viewer,
                                                                               ready_film):
    film = ready_film(duration=10.0)
    assert add(staff_client, film).status == 201
    path = f"/api/video/{film}/subtitles/de/index.m3u8"
    answer = viewer.get(path)
    assert answer.status == 200 and answer.header("Content-Type") == "application/vnd.apple.mpegurl"
    lines = answer.text.splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-TARGETDURATION:10" in lines and "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    assert "#EXTINF:10.000," in lines and lines[-1] == "#EXT-X-ENDLIST"
    [url] = segment_names(answer.text)
    assert f"videos/{film}/captions/de." in url and "Signature" in url
    assert requests.get(url, timeout=10).text == VTT
    assert viewer.get(path).text == answer.text  # cached
    replaced = VTT.replace("Hallo", "Servus")
    assert add(staff_client, film, content=replaced).status == 201
    assert requests.get(segment_names(viewer.get(path).text)[0], timeout=10).text == replaced
    assert viewer.get(f"/api/video/{film}/subtitles/fr/index.m3u8").status == 404
    assert viewer.get(f"/api/video/{film}/subtitles/no%20tag/index.m3u8").status == 404
    assert viewer.get(f"/api/video/999999/subtitles/de/index.m3u8").status == 404
