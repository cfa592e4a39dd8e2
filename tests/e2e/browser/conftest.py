"""Headless Debian Chromium, driven by Playwright, against the player that `videoflix dev` serves."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack

ROOT = Path(__file__).resolve().parents[3]
PLAYER_DIR = ROOT / "infra" / "player"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Without the networking flags Chromium keeps calling Google's hosts, which this network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Long enough to play past 3 s and then switch rungs; short enough for a 2-core CI machine.
SEED_SECONDS = 10
READY_TIMEOUT = 300
REPORT_INTERVAL_MS = 1000


def chromium_path() -> str | None:
    found = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and os.access(found, os.X_OK) else None


@pytest.fixture(scope="session")
def hls_js_installed():
    """hls.js and uPlot in infra/player/node_modules, installed from its lock file as `make dev` does
    (again when a checkout's node_modules predates a package the lock file added)."""
    needed = ("node_modules/hls.js/dist/hls.min.js", "node_modules/uplot/dist/uPlot.iife.min.js")
    if not all((PLAYER_DIR / path).is_file() for path in needed):
        if not shutil.which("npm"):
            pytest.skip("npm is missing: the player's hls.js cannot be installed")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PLAYER_DIR, check=True, timeout=300)


@pytest.fixture(scope="session")
def player_stack(tmp_path_factory, hls_js_installed):
    """`make dev` as a new user gets it (SQLite, in-process Redis, moto), with the sample film ready."""
    folder = tmp_path_factory.mktemp("player-stack")
    stack_iter = start_stack(folder, "", "", seed_seconds=SEED_SECONDS,
                             extra_environ={"FFMPEG_PRESET": "ultrafast",
                                            # Players report every second, so insights tests wait little.
                                            "PLAYBACK_REPORT_INTERVAL_MS": str(REPORT_INTERVAL_MS)})
    stack = next(stack_iter)
    try:
        wait_for_sample_film(stack)
        yield stack
    finally:
        stack_iter.close()


def staff_session(stack) -> requests.Session:
    """A requests session logged in as the dev stack's seeded staff account."""
    session = requests.Session()
    answer = session.post(stack.url("/api/login/"), json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return session


def wait_for_sample_film(stack) -> dict:
    staff = staff_session(stack)
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        videos = staff.get(stack.url("/api/admin/videos/"), timeout=10).json()
        if videos and videos[0]["status"] == "ready":
            return videos[0]
        if videos and videos[0]["status"] == "failed":
            raise AssertionError(f"the sample film failed: {videos[0]['error']}\n{stack.log_tail()}")
        time.sleep(1)
    raise AssertionError(f"the sample film was not ready within {READY_TIMEOUT}s\n{stack.log_tail()}")


AV1_TIMEOUT = 120


def wait_for_av1_ladder(stack, film: dict) -> dict:
    """The film's `av1` state once its AV1 ladder is ready (a failure, or none within AV1_TIMEOUT, fails)."""
    staff = staff_session(stack)
    deadline = time.monotonic() + AV1_TIMEOUT
    while (av1 := staff.get(stack.url(f"/api/admin/videos/{film['id']}/"), timeout=10).json()["av1"])["status"] \
            != "ready":
        assert av1["status"] != "failed" and time.monotonic() < deadline, f"{av1}\n{stack.log_tail()}"
        time.sleep(1)
    return av1


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.call_failed = report.failed


@pytest.fixture
def page(browser, request, artifacts):
    """A fresh browser profile per test (cookies, storage); on failure a screenshot and the console."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.errors = []
    console: list[str] = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("response", lambda response: response.status >= 400 and console.append(
        f"HTTP {response.status}: {response.request.method} {response.url}"))
    page.on("requestfailed", lambda request: console.append(
        f"request failed ({request.failure}): {request.method} {request.url}"))
    yield page
    if getattr(request.node, "call_failed", False):
        name = request.node.name
        try:
            page.screenshot(path=str(artifacts / f"failed-{name}.png"), full_page=True)
        except Exception:  # the page may be gone; the console log is still worth keeping
            pass
        (artifacts / f"failed-{name}.log").write_text(f"url: {page.url}\n" + "\n".join(console + page.errors))
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def activated_user(player_stack):
    """An active account made over HTTP, for tests whose subject is not the sign-up."""
    def create(password: str = "browser-pass-1") -> tuple[str, str]:
        email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
        answer = requests.post(player_stack.url("/api/register/"), timeout=10, json={
            "email": email, "password": password, "confirmed_password": password})
        assert answer.status_code == 201, answer.text
        mail = player_stack.wait_for_email(email, "Confirm your email")
        uid, token = email_link(mail, "activate.html")
        assert requests.get(player_stack.url(f"/api/activate/{uid}/{token}/"), timeout=10).status_code == 200
        return email, password
    return create


def email_link(mail: dict, page: str) -> tuple[str, str]:
    found = re.search(rf"/pages/auth/{re.escape(page)}\?uid=([\w-]+)&token=([\w-]+)", mail["text"])
    assert found, mail["text"]
    return found.group(1), found.group(2)
