"""Insights as they happen: Chromium plays the sample film and the staff's insights show that view.

The session's stack is shared with the other browser tests, which play the same film: each test
reads the film's insights before and after its own view (once they stopped changing) and checks
the difference. Players report every second here (PLAYBACK_REPORT_INTERVAL_MS in conftest).
"""
from __future__ import annotations

import re
import time

import pytest

from tests.e2e.browser.conftest import staff_session, wait_for_sample_film

pytestmark = pytest.mark.e2e

VIDEO = "document.querySelector('#video')"
PLAYED = f"""() => {{ const p = {VIDEO}.played; let s = 0;
    for (let i = 0; i < p.length; i++) s += p.end(i) - p.start(i); return s; }}"""
SETTLE_TIMEOUT = 20


def film_insights(staff, stack, film_id: int) -> dict:
    answer = staff.get(stack.url(f"/api/admin/insights/videos/{film_id}/?interval=hour"), timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["totals"]


def settled(staff, stack, film_id: int, changed_from: dict | None = None) -> dict:
    """The film's totals once two reads a report interval and a half apart agree (and differ from
    `changed_from`, when given: this test's view has arrived)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    last = film_insights(staff, stack, film_id)
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = film_insights(staff, stack, film_id)
        if now == last and (changed_from is None or now["views"] != changed_from["views"]):
            return now
        last = now
    raise AssertionError(f"the insights did not settle: {last}")


def delta(after: dict, before: dict, name: str) -> float:
    return round(after[name] - before[name], 3)


def open_film(page, stack, activated_user, film_id: int) -> None:
    email, password = activated_user()
    page.goto(stack.player + "/pages/auth/login.html")
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))
    page.goto(f"{stack.player}/pages/video/watch.html?id={film_id}")


@pytest.fixture(scope="module")
def film(player_stack) -> int:
    return wait_for_sample_film(player_stack)["id"]


def test_a_view_shows_its_startup_watched_seconds_and_rendition(player_stack, page, activated_user, film):
    staff = staff_session(player_stack)
    before = settled(staff, player_stack, film)
    open_film(page, player_stack, activated_user, film)
    page.wait_for_selector("#quality button[data-height='480']")
    page.click("#play")
    page.wait_for_function(f"() => {VIDEO}.currentTime > 3", timeout=20_000)
    page.evaluate(f"{VIDEO}.pause()")
    played = page.evaluate(PLAYED)
    height = page.evaluate(f"{VIDEO}.videoHeight")
    page.goto("about:blank")  # leaving: the last batch goes as a keepalive request
    after = settled(staff, player_stack, film, changed_from=before)
    assert delta(after, before, "views") == 1 and delta(after, before, "startups") == 1
    assert after["startup_p50_ms"] is not None and after["startup_p95_ms"] >= after["startup_p50_ms"]
    assert abs(delta(after, before, "watched_seconds") - played) <= 1.0, (after, before, played)
    assert str(height) in after["heights"] and "avc1" in after["codecs"]
    assert delta(after, before, "failed_views") == 0


def test_a_throttled_network_shows_stalls_in_the_rebuffer_ratio(player_stack, page, activated_user, film):
    staff = staff_session(player_stack)
    before = settled(staff, player_stack, film)
    open_film(page, player_stack, activated_user, film)
    page.wait_for_selector("#quality button[data-height='1080']")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    page.click("#play")
    page.click("#quality button[data-height='480']")  # as a viewer would: a low rung first
    page.wait_for_function(f"() => document.querySelector('#rung').dataset.height === '480' "
                           f"&& {VIDEO}.currentTime > 0.5", timeout=20_000)
    # A slow network (DevTools network emulation), then a rung the buffer does not hold: the
    # player runs dry while the new rung's segment crawls in.
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400,
                                                   "downloadThroughput": 40_000, "uploadThroughput": 40_000})
    page.click("#quality button[data-height='1080']")
    page.wait_for_function(f"() => {VIDEO}.readyState < 3", timeout=10_000)  # waiting for data
    time.sleep(2.5)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                   "downloadThroughput": -1, "uploadThroughput": -1})
    page.wait_for_function(f"() => {VIDEO}.currentTime > 3", timeout=30_000)
    page.goto("about:blank")
    after = settled(staff, player_stack, film, changed_from=before)
    stalled = delta(after, before, "stalled_seconds")
    assert delta(after, before, "stalls") >= 1 and stalled >= 2.0, (after, before)
    assert after["rebuffer_ratio"] > before["rebuffer_ratio"] if before["rebuffer_ratio"] else after["rebuffer_ratio"] > 0


def test_a_stream_that_cannot_load_is_a_failed_view(player_stack, page, activated_user, film):
    staff = staff_session(player_stack)
    before = settled(staff, player_stack, film)
    page.route(re.compile(r".*/master\.m3u8.*"), lambda route: route.fulfill(status=404, body="gone"))
    open_film(page, player_stack, activated_user, film)
    page.wait_for_function("() => /Playback failed/.test(document.querySelector('#player-error').textContent)",
                           timeout=20_000)
    after = settled(staff, player_stack, film, changed_from=before)
    assert delta(after, before, "views") == 1 and delta(after, before, "failed_views") == 1
    assert delta(after, before, "startups") == 0


def test_the_console_draws_the_insights_and_the_film_page_shows_its_own(player_stack, page, film):
    from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    views = film_insights(staff_session(player_stack), player_stack, film)["views"]
    page.goto(player_stack.player + "/pages/auth/login.html")
    page.fill("[name=email]", ADMIN_EMAIL)
    page.fill("[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))
    page.goto(player_stack.player + "/admin/insights.html")
    row = page.locator(f"#films tbody tr[data-video-id='{film}']")
    row.wait_for()
    assert row.locator("[data-col=views]").inner_text() == str(views)
    assert page.locator(".console-nav a[aria-current=page]").inner_text() == "Insights"
    assert page.locator("#chart-audience canvas").count() >= 1 and page.locator("#chart-quality canvas").count() >= 1
    failed = page.locator("#films th[data-sort=failure_rate]")
    failed.locator("button").click()
    assert failed.get_attribute("aria-sort") == "descending"
    failed.locator("button").click()
    assert failed.get_attribute("aria-sort") == "ascending"
    assert page.locator("#totals [data-figure=views] dd").inner_text() == str(views)
    page.goto(f"{player_stack.player}/admin/film.html?id={film}")
    page.locator("#film-insights [data-figure=views] dd").wait_for()
    assert page.locator("#film-insights [data-figure=views] dd").inner_text() == str(views)
    assert page.errors == []
