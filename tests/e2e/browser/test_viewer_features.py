"""What a viewer does beyond pressing play, in headless Chromium: resume where they left off,
captions, seek previews from the storyboard, search and the keyboard."""
from __future__ import annotations

import re
import time

import pytest
import requests

from tests.e2e.browser.conftest import READY_TIMEOUT, staff_session
from tests.e2e.browser.test_player import VIDEO, log_in, player_error, wait_for_player

pytestmark = pytest.mark.e2e

SECOND_FILM = {"title": "Zebra Crossing", "description": "A short film for the search test.",
               "category": "Street Life"}
SECOND_SECONDS = 4
ENGLISH_CUE = "Zebras cross here"
GERMAN_CUE = "Hier queren Zebras"


def viewer_session(stack, email: str, password: str) -> requests.Session:
    session = requests.Session()
    assert session.post(stack.url("/api/login/"), json={"email": email, "password": password},
                        timeout=10).status_code == 200
    return session


def upload_film(stack, staff: requests.Session, folder, fields: dict, seconds: float) -> dict:
    """A staff upload over the admin API (presigned parts, then complete); returns the ready film."""
    from videoflix_tools.clips import generate_test_clip
    from videoflix_tools.testing.multipart import put_parts

    clip = folder / "second-film.mp4"
    generate_test_clip(str(clip), seconds=seconds, width=854, height=480, audio=True)
    created = staff.post(stack.url("/api/admin/videos/"), timeout=10, json={
        **fields, "filename": clip.name, "size": clip.stat().st_size, "content_type": "video/mp4"})
    assert created.status_code == 201, created.text
    video_id = created.json()["video"]["id"]
    parts = put_parts(created.json()["upload"], clip)
    done = staff.post(stack.url(f"/api/admin/videos/{video_id}/upload/complete/"), json={"parts": parts},
                      timeout=10)
    assert done.status_code in (200, 202), done.text
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        film = staff.get(stack.url(f"/api/admin/videos/{video_id}/"), timeout=10).json()
        if film["status"] == "ready":
            return film
        assert film["status"] != "failed", film["error"]
        time.sleep(1)
    raise AssertionError(f"the second film was not ready within {READY_TIMEOUT}s\n{stack.log_tail()}")


@pytest.fixture(scope="module")
def films(player_stack, tmp_path_factory):
    """The sample film ("Test Pattern", Samples) and a second one with English and German captions."""
    staff = staff_session(player_stack)
    [sample] = [v for v in staff.get(player_stack.url("/api/admin/videos/"), timeout=10).json()
                if v["title"] == "Test Pattern"]
    second = upload_film(player_stack, staff, tmp_path_factory.mktemp("second-film"), SECOND_FILM,
                         SECOND_SECONDS)
    for lang, label, default, text in (("en", "English", False, ENGLISH_CUE),
                                       ("de", "Deutsch", True, GERMAN_CUE)):
        added = staff.post(player_stack.url(f"/api/admin/videos/{second['id']}/captions/"), timeout=10, json={
            "lang": lang, "label": label, "default": default,
            "content": f"WEBVTT\n\n00:00:00.000 --> 00:00:03.500\n{text}\n"})
        assert added.status_code in (200, 201), added.text
    return sample, second


@pytest.fixture
def viewer(player_stack, page, activated_user):
    """A logged-in viewer in the browser, and the same account over HTTP."""
    email, password = activated_user()
    log_in(page, player_stack.player, email, password)
    return viewer_session(player_stack, email, password)


def open_film(page, player: str, video_id: int) -> None:
    page.goto(f"{player}/pages/video/watch.html?id={video_id}")
    page.wait_for_selector("#quality button[data-height]")  # the master playlist is parsed


def saved_position(session: requests.Session, stack, video_id: int) -> float | None:
    answer = session.get(stack.url("/api/video/continue/"), timeout=10)
    assert answer.status_code == 200, answer.text
    found = [item for item in answer.json() if item["id"] == video_id]
    return found[0]["position_seconds"] if found else None


def wait_for_saved(session, stack, video_id: int, condition, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition(position := saved_position(session, stack, video_id)):
        assert time.monotonic() < deadline, f"{what}: the saved position is {position}"
        time.sleep(0.5)


def test_resume_at_the_saved_position_and_start_over(player_stack, films, page, viewer, artifacts):
    sample, _ = films
    put = viewer.put(player_stack.url(f"/api/video/{sample['id']}/progress/"), json={"position_seconds": 6},
                     timeout=10)
    assert put.status_code == 204, put.text

    open_film(page, player_stack.player, sample["id"])
    wait_for_player(page, f"() => Math.abs({VIDEO}.currentTime - 6) < 0.5", "the saved position 6 s")
    assert page.inner_text("#resume-text") == "Resumed at 0:06"
    # The seek bar follows the video's next timeupdate, which may come a moment after the seek lands.
    wait_for_player(page, "() => document.querySelector('#seek').getAttribute('aria-valuetext').startsWith('0:06 of 0:')",
                    "the seek bar at the saved position")
    page.screenshot(path=str(artifacts / "resumed.png"))

    page.click("#start-over")
    wait_for_player(page, f"() => {VIDEO}.currentTime < 0.5", "the start")
    assert page.locator("#resume").is_hidden()
    assert page.evaluate("document.activeElement.id") == "play"
    # Starting over is saved: the film leaves "continue watching" (positions under 5 s are not there).
    wait_for_saved(viewer, player_stack, sample["id"], lambda position: position is None, "start over")

    # Leaving the page saves where it was (a keepalive request): between the saves made while
    # playing (the first at once, the next 10 s later) the position only comes from that one.
    page.click("#play")
    wait_for_player(page, f"() => {VIDEO}.currentTime > 6.5", "6.5 s played", timeout=30_000)
    assert player_error(page) == ""
    page.goto(player_stack.player + "/pages/video/catalog.html")
    wait_for_saved(viewer, player_stack, sample["id"], lambda position: position and 6.5 <= position < 9.5,
                   "the position on leaving")
    assert player_error(page) == ""


def test_continue_watching_row_on_the_catalog(player_stack, films, page, viewer, artifacts):
    sample, _ = films
    page.reload()
    page.wait_for_selector(".video-card")
    assert page.locator("#continue").is_hidden()  # nothing watched yet

    assert viewer.put(player_stack.url(f"/api/video/{sample['id']}/progress/"), json={"position_seconds": 7},
                      timeout=10).status_code == 204
    page.reload()
    row = page.locator("#continue-row .video-card")
    row.first.wait_for()
    assert row.count() == 1 and row.first.get_attribute("data-video-id") == str(sample["id"])
    assert row.first.locator(".video-meta").inner_text().startswith("0:07 of 0:")
    page.screenshot(path=str(artifacts / "continue-watching.png"))
    row.first.click()
    page.wait_for_url(re.compile(rf"/watch\.html\?id={sample['id']}$"))
    wait_for_player(page, f"() => Math.abs({VIDEO}.currentTime - 7) < 0.5", "the saved position 7 s")


def showing_cue_text(page) -> str:
    return page.evaluate(f"""() => [...{VIDEO}.textTracks].filter((t) => t.mode === 'showing')
        .flatMap((t) => [...(t.activeCues || [])].map((c) => c.text)).join('|')""")


def test_captions_default_track_then_choose_a_language_then_off(player_stack, films, page, viewer, artifacts):
    _, second = films
    open_film(page, player_stack.player, second["id"])
    page.wait_for_selector("#captions button[data-lang=en]")
    # The default track (German) is chosen and shown without asking.
    assert page.get_attribute("#captions button[data-lang=de]", "aria-pressed") == "true"
    page.click("#play")
    wait_for_player(page, f"() => {VIDEO}.currentTime > 0.5", "0.5 s played")
    page.wait_for_function(f"() => [...{VIDEO}.textTracks].some((t) => t.mode === 'showing' && "
                           f"[...(t.activeCues || [])].some((c) => c.text === {GERMAN_CUE!r}))")

    page.click("#play")  # paused inside the cue, so that it stays on screen
    wait_for_player(page, f"() => {VIDEO}.paused", "paused")
    page.click("#captions button[data-lang=en]")
    page.wait_for_function(f"() => [...{VIDEO}.textTracks].some((t) => t.mode === 'showing' && "
                           f"[...(t.activeCues || [])].some((c) => c.text === {ENGLISH_CUE!r}))")
    assert showing_cue_text(page) == ENGLISH_CUE
    assert page.get_attribute("#captions button[data-lang=en]", "aria-pressed") == "true"
    page.screenshot(path=str(artifacts / "captions.png"))

    page.click("#captions button[data-lang='']")  # Off
    page.wait_for_function(f"() => ![...{VIDEO}.textTracks].some((t) => t.mode === 'showing')")
    # `c` brings back the language chosen last.
    page.locator("#seek").focus()
    page.keyboard.press("c")
    page.wait_for_function(f"() => [...{VIDEO}.textTracks].some((t) => t.mode === 'showing' && "
                           f"[...(t.activeCues || [])].some((c) => c.text === {ENGLISH_CUE!r}))")
    assert page.errors == []


def storyboard_tile(vtt: str, at: float) -> tuple[int, ...]:
    def seconds(stamp: str) -> float:
        parts = [float(part) for part in stamp.split(":")]
        return sum(value * 60 ** index for index, value in enumerate(reversed(parts)))

    for start, end, target in re.findall(r"(\S+) --> (\S+)[^\n]*\n(\S+)", vtt):
        if seconds(start) <= at < seconds(end):
            return tuple(int(value) for value in target.rsplit("#xywh=", 1)[1].split(","))
    raise AssertionError(f"no storyboard cue at {at}s:\n{vtt}")


def test_hovering_the_seek_bar_shows_the_storyboard_frame(player_stack, films, page, viewer, artifacts):
    sample, _ = films
    open_film(page, player_stack.player, sample["id"])
    page.wait_for_function(f"() => {VIDEO}.duration > 0")
    page.locator("#seek").scroll_into_view_if_needed()
    bar = page.locator("#seek").bounding_box()
    assert page.locator("#preview").is_hidden()
    page.mouse.move(bar["x"] + bar["width"] * 0.65, bar["y"] + bar["height"] / 2)
    page.wait_for_selector("#preview", state="visible")
    frame = page.locator("#preview-frame")
    assert frame.is_visible()
    image = frame.evaluate("(node) => getComputedStyle(node).backgroundImage")
    assert image.startswith('url("') and "storyboard.jpg" in image, image
    # The tile of the cue that covers the time under the pointer, as the API's storyboard says.
    hovered = 0.65 * page.evaluate(f"{VIDEO}.duration")
    x, y, w, h = storyboard_tile(viewer.get(player_stack.url(f"/api/video/{sample['id']}/storyboard.vtt"),
                                            timeout=10).text, hovered)
    assert frame.evaluate("(node) => node.style.backgroundPosition") == f"{-x}px {-y}px"
    assert frame.bounding_box()["width"] == pytest.approx(w)
    assert page.inner_text("#preview-time") == "0:06"  # 65 % of a 10 s film
    # The sprite really loads in the browser.
    assert page.evaluate("""(url) => new Promise((resolve) => {
        const img = new Image(); img.onload = () => resolve(img.naturalWidth > 0); img.onerror = () => resolve(false);
        img.src = url; })""", image[5:-2])
    page.screenshot(path=str(artifacts / "seek-preview.png"))
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] - 200)
    page.wait_for_selector("#preview", state="hidden")

    # A film without a storyboard (the API answers 404): the time alone, no broken picture.
    page.route("**/storyboard.vtt", lambda route: route.fulfill(status=404, content_type="application/json",
        body='{"detail": "Not found."}', headers={"Access-Control-Allow-Origin": player_stack.player,
                                                  "Access-Control-Allow-Credentials": "true"}))
    open_film(page, player_stack.player, sample["id"])
    page.wait_for_function(f"() => {VIDEO}.duration > 0")
    page.locator("#seek").scroll_into_view_if_needed()
    bar = page.locator("#seek").bounding_box()
    page.mouse.move(bar["x"] + bar["width"] * 0.65, bar["y"] + bar["height"] / 2)
    page.wait_for_selector("#preview", state="visible")
    assert page.inner_text("#preview-time") == "0:06"
    assert page.locator("#preview-frame").is_hidden()
    assert page.errors == []


def card_titles(page) -> list[str]:
    return page.locator("#catalog .video-card .video-title").all_inner_texts()


def test_search_and_category_narrow_the_catalog(player_stack, films, page, viewer, artifacts):
    page.wait_for_function("() => document.querySelectorAll('#catalog .video-card').length === 2")
    assert page.locator(".category[data-category='Street Life'] .video-card").count() == 1

    page.fill("#search", "zebra")
    page.wait_for_function("() => document.querySelectorAll('#catalog .video-card').length === 1")
    assert card_titles(page) == ["Zebra Crossing"]
    assert page.inner_text("#catalog-status") == "1 film found."
    assert "q=zebra" in page.url
    page.screenshot(path=str(artifacts / "search.png"))

    page.fill("#search", "no such film anywhere")
    page.wait_for_selector("#catalog-status:has-text('No films match your search.')")
    assert card_titles(page) == []

    page.fill("#search", "")
    page.wait_for_function("() => document.querySelectorAll('#catalog .category').length === 2")
    page.select_option("#category", "Samples")
    page.wait_for_function("() => document.querySelectorAll('#catalog .video-card').length === 1")
    assert card_titles(page) == ["Test Pattern"]
    assert "Samples (1)" in page.locator("#category option").all_inner_texts()


def test_keyboard_alone_plays_mutes_seeks_and_changes_volume(player_stack, films, page, viewer, artifacts):
    sample, _ = films
    open_film(page, player_stack.player, sample["id"])
    assert page.evaluate(f"{VIDEO}.paused")

    page.keyboard.press(" ")
    wait_for_player(page, f"() => !{VIDEO}.paused && {VIDEO}.currentTime > 1", "playing after space")
    page.keyboard.press(" ")
    wait_for_player(page, f"() => {VIDEO}.paused", "paused after space")
    page.wait_for_function("() => document.querySelector('#play').textContent === 'Play'")
    page.wait_for_function("() => document.querySelector('#announcer').textContent === 'Paused'")

    page.keyboard.press("m")
    assert page.evaluate(f"{VIDEO}.muted")
    assert page.get_attribute("#mute", "aria-pressed") == "true"
    page.wait_for_function("() => document.querySelector('#announcer').textContent === 'Muted'")
    page.keyboard.press("m")
    assert not page.evaluate(f"{VIDEO}.muted")

    before = page.evaluate(f"{VIDEO}.currentTime")
    page.keyboard.press("ArrowRight")
    wait_for_player(page, f"() => Math.abs({VIDEO}.currentTime - {before + 5}) < 0.3", "5 s further")
    page.keyboard.press("ArrowLeft")
    wait_for_player(page, f"() => Math.abs({VIDEO}.currentTime - {before}) < 0.3", "5 s back")
    page.keyboard.press("ArrowDown")
    assert page.evaluate(f"{VIDEO}.volume") == pytest.approx(0.9)

    # Every control is reached with Tab and shows where the focus is.
    page.locator("#seek").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "play"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.screenshot(path=str(artifacts / "keyboard-focus.png"))
    assert page.get_attribute("#seek", "aria-label") == "Seek"
    assert page.errors == []
