"""A film transcoded in parallel chunks (fan-out) plays across chunk edges and audio-part joins in hls.js."""
from __future__ import annotations

import pytest
import requests

from tests.e2e.browser.conftest import wait_for_sample_film
from tests.e2e.browser.test_player import VIDEO, log_in, player_error, wait_for_player
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack

pytestmark = pytest.mark.e2e
CHUNK_SECONDS = 6  # one segment per chunk, so every segment boundary is also a chunk edge
AUDIO_PART_SECONDS = 6  # and a join of two audio parts, each encoded by a job of its own
FILM_SECONDS = 14


@pytest.fixture(scope="module")
def fanout_stack(tmp_path_factory, hls_js_installed):
    """The dev stack with fan-out for anything longer than 12 s: the sample film goes in chunks."""
    folder = tmp_path_factory.mktemp("fanout-stack")
    stack_iter = start_stack(folder, "", "", seed_seconds=FILM_SECONDS, extra_environ={
        "FFMPEG_PRESET": "ultrafast", "FANOUT_MIN_DURATION": "12",
        "FANOUT_CHUNK_SECONDS": str(CHUNK_SECONDS), "FANOUT_AUDIO_PART_SECONDS": str(AUDIO_PART_SECONDS)})
    stack = next(stack_iter)
    try:
        film = wait_for_sample_film(stack)
        yield stack, film
    finally:
        stack_iter.close()


def test_fanned_out_film_plays_through_chunk_edges_with_its_audio(fanout_stack, page):
    stack, film = fanout_stack
    assert "audio" in film["renditions"], film  # the separate audio rendition only fan-out makes
    session = requests.Session()
    session.post(stack.url("/api/login/"), json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, timeout=10)
    master = session.get(stack.url(f"/api/video/{film['id']}/master.m3u8"), timeout=10).text
    assert "#EXT-X-MEDIA:TYPE=AUDIO" in master

    log_in(page, stack.player, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{stack.player}/pages/video/watch.html?id={film['id']}")
    page.wait_for_selector("#quality button[data-height='480']")
    page.click("#play")
    # Past two chunk edges and audio joins (6 s and 12 s): a gap or a broken timestamp would stall
    # or error here, and the sound would stop being decoded after a join it cannot follow.
    wait_for_player(page, f"() => {VIDEO}.currentTime > {AUDIO_PART_SECONDS + 0.5}", "the first audio join",
                    timeout=60_000)
    decoded_before = page.evaluate(f"{VIDEO}.webkitAudioDecodedByteCount")
    wait_for_player(page, f"() => {VIDEO}.currentTime > {2 * CHUNK_SECONDS + 0.5}", "two chunk edges",
                    timeout=60_000)
    assert page.evaluate(f"{VIDEO}.webkitAudioDecodedByteCount") > decoded_before > 0
    assert player_error(page) == ""
    assert page.evaluate(f"{VIDEO}.error") is None
    assert page.errors == []
    # Audio is decoded alongside the video (Chromium counts decoded audio bytes).
    assert page.evaluate(f"{VIDEO}.webkitAudioDecodedByteCount") > 0
