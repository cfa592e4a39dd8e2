"""A long film's AV1 ladder made in chunks, in Chromium: the reference player plays the AV1 variants (fMP4
video of two chunks) with the fanned-out film's audio rendition (AAC in TS) across the chunk edge, and the staff
console counts the chunks. Forced by low thresholds on a 13 s sample film (chunks of 6 s and 7 s)."""
from __future__ import annotations


import pytest

from tests.e2e.browser.conftest import wait_for_av1_ladder, wait_for_sample_film
from tests.e2e.browser.test_av1_playback import HLS, level_codecs
from tests.e2e.browser.test_player import VIDEO, log_in, player_error, wait_for_player
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack

pytestmark = pytest.mark.e2e
FILM_SECONDS = 13


@pytest.fixture(scope="module")
def chunked_stack(tmp_path_factory, hls_js_installed):
    folder = tmp_path_factory.mktemp("av1-chunks-stack")
    stack_iter = start_stack(folder, "", "", seed_seconds=FILM_SECONDS, extra_environ={
        "FFMPEG_PRESET": "ultrafast", "AV1_LADDER": "true", "AV1_PRESET": "12", "FANOUT_MIN_DURATION": "1",
        "FANOUT_CHUNK_SECONDS": "6", "AV1_CHUNK_MIN_DURATION": "1", "AV1_CHUNK_SECONDS": "6"})
    stack = next(stack_iter)
    try:
        film = wait_for_sample_film(stack)
        av1 = wait_for_av1_ladder(stack, film)
        assert (av1["chunks_done"], av1["chunks_total"]) == (2, 2)
        yield stack, film
    finally:
        stack_iter.close()


def test_the_chunked_av1_ladder_plays_with_the_shared_audio_across_the_chunk_edge(chunked_stack, page):
    stack, film = chunked_stack
    log_in(page, stack.player, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{stack.player}/pages/video/watch.html?id={film['id']}")
    page.wait_for_selector("#quality button")
    page.click("#play")
    wait_for_player(page, f"() => {VIDEO}.currentTime > 1", "1 s of the film", timeout=60_000)
    codecs = level_codecs(page)
    assert codecs and all(codec.startswith("av01") for codec in codecs)
    assert page.evaluate(f"{HLS}.audioTracks.length") == 1  # the fanned-out film's audio rendition
    page.evaluate(f"{VIDEO}.currentTime = 5")
    # Playing on past 6 s is playing the second chunk: a media element plays only where both the
    # audio and the video buffers hold data, so the audio rendition lines up with the AV1 fragments.
    wait_for_player(page, f"() => {VIDEO}.currentTime > 7.5", "past the chunk edge at 6 s", timeout=60_000)
    assert player_error(page) == "" and page.evaluate(f"{VIDEO}.error") is None and page.errors == []
    assert page.evaluate(f"{VIDEO}.getVideoPlaybackQuality().totalVideoFrames") > 0
    assert page.evaluate(f"{HLS}.levels[{HLS}.currentLevel].details.fragments[1].url").split("?")[0].endswith(".m4s")
