"""The API client's pure parts, transcode waiting, and the videos table."""
from __future__ import annotations

import pytest

from videoflix_tools.cli.admin import video_table
from videoflix_tools.cli.api import HttpAnswer, describe_refusal, normalize_api_url
from videoflix_tools.cli.ops import CommandFailed
from videoflix_tools.cli.watch import WaitTimedOut, wait_until_settled


@pytest.mark.parametrize("raw, expected", [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    (" https://api.example.com/stage/ ", "https://api.example.com/stage"),
])
def test_api_urls_are_normalized(raw, expected):
    assert normalize_api_url(raw) == expected


@pytest.mark.parametrize("raw", ["127.0.0.1:8000", "ftp://host", "http://"])
def test_api_urls_must_be_http(raw):
    with pytest.raises(CommandFailed, match="http"):
        normalize_api_url(raw)


def test_refusals_are_told_in_the_apis_words():
    assert describe_refusal(404, {"detail": "Video not found."}) == "the API answered 404: Video not found."
    assert describe_refusal(400, {"title": ["This field may not be blank."], "size": ["The file is empty."]}) == \
        "the API answered 400: title: This field may not be blank.; size: The file is empty."
    assert describe_refusal(502, None) == "the API answered 502: no details given"


def test_tokens_are_read_from_set_cookie_headers():
    answer = HttpAnswer(200, [("Set-Cookie", "access_token=a.b.c; Max-Age=1800; HttpOnly"),
                              ("set-cookie", "refresh_token=d.e.f; Path=/"), ("Content-Type", "x")], b"")
    assert answer.cookies() == {"access_token": "a.b.c", "refresh_token": "d.e.f"}


class ScriptedVideo:
    def __init__(self, *states: dict) -> None:
        self.states = list(states)
        self.fetched = 0

    def __call__(self) -> dict:
        self.fetched += 1
        return self.states.pop(0) if len(self.states) > 1 else self.states[0]


def test_waiting_reports_every_state_until_the_video_is_ready():
    fetch = ScriptedVideo({"id": 1, "status": "uploaded", "progress": 0},
                          {"id": 1, "status": "processing", "progress": 50},
                          {"id": 1, "status": "ready", "progress": 100})
    seen, slept = [], []
    video = wait_until_settled(fetch, lambda v: seen.append(v["status"]), interval=3, sleep=slept.append)
    assert video["status"] == "ready"
    assert seen == ["uploaded", "processing", "ready"] and slept == [3, 3]


def test_waiting_ends_at_a_failure_too():
    fetch = ScriptedVideo({"id": 1, "status": "failed", "error": "No video stream."})
    assert wait_until_settled(fetch, lambda v: None, sleep=lambda s: None)["error"] == "No video stream."


def test_waiting_gives_up_after_the_timeout():
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    fetch = ScriptedVideo({"id": 4, "status": "processing", "progress": 10})
    with pytest.raises(WaitTimedOut, match="video 4 is still processing after 5 s"):
        wait_until_settled(fetch, lambda v: None, interval=2, timeout=5, sleep=sleep, clock=lambda: now[0])
    assert fetch.fetched == 4  # at 0, 2, 4 and 6 seconds


def test_the_videos_table_is_aligned_and_lists_failures_below():
    table = video_table([
        {"id": 12, "title": "A film with a title much longer than the column allows", "status": "processing",
         "progress": 40, "duration": None, "renditions": []},
        {"id": 3, "title": "Short", "status": "ready", "progress": 100, "duration": 3725.0,
         "renditions": ["480p", "720p"]},
        {"id": 2, "title": "Broken", "status": "failed", "progress": 0, "duration": None, "renditions": [],
         "error": "No video stream."},
    ]).splitlines()
    assert table == [
        "ID  TITLE                                     STATUS      PROGRESS  DURATION  RENDITIONS",
        "12  A film with a title much longer than th…  processing       40%  -         -",
        " 3  Short                                     ready           100%  1:02:05   480p, 720p",
        " 2  Broken                                    failed            0%  -         -",
        "video 2 failed: No video stream.",
    ]


def test_an_empty_catalogue_says_how_to_fill_it():
    assert video_table([]).startswith("No videos yet. Upload one with `videoflix upload")
