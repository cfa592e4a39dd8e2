"""A person in headless Chromium: sign up, activate, log in, browse, watch, switch rungs, log out."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

from tests.e2e.browser.conftest import email_link

pytestmark = pytest.mark.e2e

VIDEO = "document.querySelector('#video')"


def rung_is(height: int) -> str:
    return f"() => document.querySelector('#rung').dataset.height === '{height}'"


def player_error(page) -> str:
    box = page.locator("#player-error")
    return box.inner_text() if box.is_visible() else ""


def wait_for_player(page, condition: str, what: str, timeout: float = 20_000) -> None:
    """Wait for a JS condition on the watch page; on timeout say where the player was."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(condition, timeout=timeout)
    except PlaywrightTimeout:
        state = page.evaluate(f"""() => ({{time: {VIDEO}.currentTime, ended: {VIDEO}.ended,
            paused: {VIDEO}.paused, height: {VIDEO}.videoHeight, rung: document.querySelector('#rung').value,
            error: document.querySelector('#player-error').textContent}})""")
        raise AssertionError(f"the player did not reach '{what}' in {timeout / 1000:.0f}s: {state}") from None


def test_sign_up_to_watching_and_logging_out(player_stack, page, artifacts):
    player, email, password = player_stack.player, f"new-{uuid.uuid4().hex[:8]}@example.com", "journey-pass-9"

    # A new visitor lands on the catalog, which sends them to log in, and signs up from there.
    page.goto(player + "/")
    page.wait_for_url(re.compile(r"/pages/auth/login\.html\?next="))
    page.click("text=Create an account")
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.fill("[name=confirmed_password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pages/auth/check_email\.html"))
    assert email in page.inner_text("#check-email-text")

    # The dev banner opens the captured emails; the activation link is read from there.
    player_stack.wait_for_email(email, "Confirm your email")
    with page.context.expect_page() as opened:
        page.click("#dev-banner a")
    mailbox = opened.value
    mailbox.wait_for_load_state()
    assert mailbox.url == player_stack.url("/dev/emails")
    # A page to read (newest first), its links clickable; scripts still get the JSON.
    message = mailbox.locator("article").filter(has_text=email).filter(has_text="Confirm your email").first
    link = message.locator("pre a[href*='/pages/auth/activate.html']").first
    activation = link.get_attribute("href")
    assert re.fullmatch(r"http://\S+/pages/auth/activate\.html\?uid=[\w-]+&token=[\w-]+", activation)
    assert activation.startswith(player + "/") and link.inner_text() == activation
    mailbox.close()

    page.goto(activation)
    page.wait_for_selector("#activation-status[data-kind=success]")
    assert page.inner_text("#activation-status") == "Account successfully activated."

    page.click("#activation-next a")
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")

    # The catalog: the sample film under its category, its thumbnail loaded from S3.
    page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))
    card = page.locator(".category[data-category=Samples] .video-card").first
    assert card.locator(".video-title").inner_text() == "Test Pattern"
    page.wait_for_function("() => document.querySelector('.video-card img').naturalWidth > 0")
    page.screenshot(path=str(artifacts / "catalog.png"))

    card.click()
    page.wait_for_url(re.compile(r"/pages/video/watch\.html\?id=\d+"))
    page.wait_for_selector("#quality button[data-height='1080']")
    page.click("#play")
    # Start from the lowest rung so that choosing 1080p is a visible change.
    page.click("#quality button[data-height='480']")
    wait_for_player(page, rung_is(480), "480p")
    wait_for_player(page, f"() => {VIDEO}.currentTime > 3", "3 s played", timeout=30_000)
    assert player_error(page) == ""
    assert page.evaluate(f"{VIDEO}.videoHeight") == 480

    page.click("#quality button[data-height='1080']")
    wait_for_player(page, f"() => ({rung_is(1080)})() && {VIDEO}.videoHeight === 1080", "1080p")
    assert page.locator("#quality button[data-height='1080']").get_attribute("aria-pressed") == "true"
    assert page.evaluate(f"!{VIDEO}.paused && !{VIDEO}.ended")
    page.screenshot(path=str(artifacts / "playing.png"))
    assert player_error(page) == ""
    assert page.evaluate(f"{VIDEO}.error") is None
    assert page.errors == []

    # As the shared frontend loads them (hls.js with withCredentials on every request): the
    # presigned segment host must answer CORS with credentials for this origin.
    segment_ok = page.evaluate("""async (api) => {
        const id = new URLSearchParams(location.search).get('id');
        const playlist = await (await fetch(`${api}/api/video/${id}/480p/index.m3u8`,
                                            {credentials: 'include'})).text();
        const segment = playlist.split('\\n').find((line) => line && !line.startsWith('#'));
        const answer = await fetch(segment, {credentials: 'include'});
        return answer.ok && (await answer.arrayBuffer()).byteLength > 0;
    }""", player_stack.api)
    assert segment_ok

    page.click("#logout")
    page.wait_for_url(re.compile(r"/pages/auth/login\.html\?logged_out=1"))
    assert page.inner_text("#login-notice") == "You are logged out."
    page.goto(player + "/pages/video/catalog.html")
    page.wait_for_url(re.compile(r"/pages/auth/login\.html\?next=%2Fpages%2Fvideo%2Fcatalog\.html"))


def test_wrong_password_shows_the_api_error(player_stack, page, activated_user):
    email, _ = activated_user()
    api_answer = requests.post(player_stack.url("/api/login/"), json={"email": email, "password": "wrong-one"},
                               timeout=10)
    assert api_answer.status_code in (400, 401)

    page.goto(player_stack.player + "/pages/auth/login.html")
    page.fill("[name=email]", email)
    page.fill("[name=password]", "not-my-password")
    page.click("button[type=submit]")
    page.wait_for_selector(".form-error:not([hidden])")
    assert page.inner_text(".form-error") == api_answer.json()["detail"]
    assert "/login.html" in page.url


def test_password_reset_through_the_emailed_link(player_stack, page, activated_user):
    email, _ = activated_user("old-password-1")
    page.goto(player_stack.player + "/pages/auth/login.html")
    page.click("text=Forgot your password?")
    page.fill("[name=email]", email)
    page.click("button[type=submit]")
    page.wait_for_selector("#forgot-status[data-kind=success]")
    assert page.inner_text("#forgot-status") == "An email has been sent to reset your password."

    uid, token = email_link(player_stack.wait_for_email(email, "Reset your Password"), "confirm_password.html")
    page.goto(f"{player_stack.player}/pages/auth/confirm_password.html?uid={uid}&token={token}")
    page.fill("[name=new_password]", "new-password-2")
    page.fill("[name=confirm_password]", "something-else-3")
    page.click("button[type=submit]")
    page.wait_for_selector("[data-error-for=confirm_password]:not(:empty)")
    assert page.inner_text("[data-error-for=confirm_password]") == "Passwords do not match."

    page.fill("[name=confirm_password]", "new-password-2")
    page.click("button[type=submit]")
    page.wait_for_selector("#confirm-status[data-kind=success]")
    page.click("#confirm-next a")
    page.fill("[name=email]", email)
    page.fill("[name=password]", "new-password-2")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))
    page.wait_for_selector(".video-card")


def log_in(page, player: str, email: str, password: str) -> None:
    page.goto(player + "/pages/auth/login.html")
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))
    page.wait_for_selector(".video-card")


def is_refresh(request) -> bool:
    return request.method == "POST" and request.url.endswith("/api/token/refresh/")


def test_the_player_refreshes_the_access_token_before_it_expires(player_stack, page, activated_user):
    email, password = activated_user()
    page.clock.install()
    log_in(page, player_stack.player, email, password)
    # Access tokens live 30 minutes in the dev stack; the player refreshes 2 minutes before.
    with page.expect_request(is_refresh) as refresh:
        page.clock.fast_forward("29:00")
    assert refresh.value.response().status == 200
    page.reload()
    page.wait_for_selector(".video-card")


def test_a_401_is_answered_by_one_refresh_then_the_request_again(player_stack, page, activated_user):
    email, password = activated_user()
    log_in(page, player_stack.player, email, password)
    page.context.clear_cookies(name="access_token")  # as if it had expired
    with page.expect_request(is_refresh):
        page.reload()
    page.wait_for_selector(".video-card")
    assert "/catalog.html" in page.url


def test_the_player_says_when_the_api_is_unreachable(page):
    import threading

    from werkzeug.serving import make_server

    from videoflix_tools.dev.player import PLAYER_DIR, config_script, player_app
    from videoflix_tools.dev.stack import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"
    server = make_server("127.0.0.1", 0, player_app(PLAYER_DIR, config_script(nowhere, True)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        # A viewer who logged in before (the readable csrftoken cookie); a logged-out visitor
        # goes to the login page without asking the API anything.
        page.context.add_cookies([{"name": "csrftoken", "value": "earlier-login",
                                   "url": f"http://127.0.0.1:{server.server_port}"}])
        page.goto(f"http://127.0.0.1:{server.server_port}/pages/video/catalog.html")
        page.wait_for_selector("#catalog-status[data-kind=error]")
        assert page.inner_text("#catalog-status") == \
            f"The Videoflix API at {nowhere} cannot be reached. Is `make dev` running?"
    finally:
        server.shutdown()
