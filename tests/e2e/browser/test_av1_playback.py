"""The AV1 ladder in Chromium: the reference player plays AV1 where the browser decodes it, H.264 where it
does not (av01 reported unsupported), one codec family per film; plain hls.js (the shared frontend) still plays."""
from __future__ import annotations


import pytest

from tests.e2e.browser.conftest import wait_for_av1_ladder, wait_for_sample_film
from tests.e2e.browser.test_player import VIDEO, log_in, player_error, wait_for_player
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack

pytestmark = pytest.mark.e2e
FILM_SECONDS = 4
HLS = "window.videoflixHls"
# What a browser without an AV1 decoder answers (Chromium here decodes it).
NO_AV1 = """(() => {
  const original = MediaSource.isTypeSupported.bind(MediaSource);
  MediaSource.isTypeSupported = (type) => !/av01/.test(type) && original(type);
})();"""


@pytest.fixture(scope="module")
def av1_stack(tmp_path_factory, hls_js_installed):
    """The dev stack with the AV1 ladder on (fastest preset): the sample film gets both ladders."""
    folder = tmp_path_factory.mktemp("av1-stack")
    stack_iter = start_stack(folder, "", "", seed_seconds=FILM_SECONDS, extra_environ={
        "FFMPEG_PRESET": "ultrafast", "AV1_LADDER": "true", "AV1_PRESET": "12"})
    stack = next(stack_iter)
    try:
        film = wait_for_sample_film(stack)
        wait_for_av1_ladder(stack, film)
        yield stack, film
    finally:
        stack_iter.close()


def level_codecs(page) -> list[str]:
    return page.evaluate(f"{HLS}.levels.map((level) => level.videoCodec)")


def play(page, stack, film) -> None:
    log_in(page, stack.player, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{stack.player}/pages/video/watch.html?id={film['id']}")
    page.wait_for_selector("#quality button[data-height='480']")
    page.click("#play")
    wait_for_player(page, f"() => {VIDEO}.currentTime > 1.5", "1.5 s of the film", timeout=60_000)
    assert player_error(page) == "" and page.evaluate(f"{VIDEO}.error") is None and page.errors == []


def test_the_reference_player_plays_the_av1_ladder_where_the_browser_decodes_it(av1_stack, page):
    stack, film = av1_stack
    assert page.evaluate("MediaSource.isTypeSupported('video/mp4; codecs=\"av01.0.04M.08\"')")
    play(page, stack, film)
    codecs = level_codecs(page)
    assert codecs and all(codec.startswith("av01") for codec in codecs)  # no H.264 level to switch to
    assert page.evaluate(f"{HLS}.levels[{HLS}.currentLevel].videoCodec").startswith("av01")
    # The picture is AV1 fMP4 being decoded: frames shown, and hls.js appended mp4 to the video buffer.
    assert page.evaluate(f"{VIDEO}.getVideoPlaybackQuality().totalVideoFrames") > 0
    assert page.evaluate(f"{HLS}.levels[{HLS}.currentLevel].details.fragments[0].url").split("?")[0].endswith(".m4s")


def test_without_an_av1_decoder_the_reference_player_plays_h264(av1_stack, page):
    stack, film = av1_stack
    page.add_init_script(NO_AV1)
    play(page, stack, film)
    codecs = level_codecs(page)
    assert codecs and all(codec.startswith("avc1") for codec in codecs)
    assert page.evaluate(f"{HLS}.levels[{HLS}.currentLevel].details.fragments[0].url").split("?")[0].endswith(".ts")
    assert page.evaluate(f"{VIDEO}.getVideoPlaybackQuality().totalVideoFrames") > 0


def test_plain_hls_js_as_the_shared_frontend_loads_it_still_plays(av1_stack, page):
    """The shared frontend: hls.js as it comes, withCredentials on every request, the whole master."""
    stack, film = av1_stack
    log_in(page, stack.player, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.add_script_tag(url="/node_modules/hls.js/dist/hls.min.js")
    page.evaluate("""(master) => {
        const video = document.createElement('video');
        video.id = 'plain'; video.muted = true;
        document.body.append(video);
        const hls = new Hls({ xhrSetup(xhr) { xhr.withCredentials = true; } });
        window.plainHls = hls;
        hls.loadSource(master);
        hls.attachMedia(video);
        hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
    }""", stack.url(f"/api/video/{film['id']}/master.m3u8"))
    page.wait_for_function("() => document.querySelector('#plain').currentTime > 1.5", timeout=60_000)
    assert page.evaluate("document.querySelector('#plain').error") is None
    assert page.evaluate("window.plainHls.levels.length") >= 1


def test_the_staff_console_shows_the_av1_ladder(av1_stack, page):
    stack, film = av1_stack
    log_in(page, stack.player, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{stack.player}/admin/index.html")
    assert page.locator(".av1-status").first.inner_text() == "AV1 ready"
    page.goto(f"{stack.player}/admin/film.html?id={film['id']}")
    page.wait_for_function("() => document.querySelector('#film-facts').textContent.includes('AV1 ready')")
    assert page.errors == []
