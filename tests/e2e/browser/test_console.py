"""The staff console (infra/player/admin/) in headless Chromium: upload from the browser (parallel
presigned parts, resumed after a reload) until the film is ready, edit and publish, the users'
actions, and the staff-only page a viewer gets."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.browser.conftest import email_link, staff_session
from tests.e2e.browser.test_player import log_in
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack

pytestmark = pytest.mark.e2e

PART_SIZE = 5 * 1024 * 1024  # the S3 minimum: a 15 MB clip is three parts, sent in parallel
READY_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory, hls_js_installed):
    """The dev stack with small upload parts and no sample film: the console's films are its own."""
    folder = tmp_path_factory.mktemp("console-stack")
    stack_iter = start_stack(folder, "", "", extra_environ={
        "FFMPEG_PRESET": "ultrafast", "UPLOAD_PART_SIZE": str(PART_SIZE)})
    stack = next(stack_iter)
    try:
        yield stack
    finally:
        stack_iter.close()


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """3 s of 360p test pattern with noise, lossless: about 15 MB, so three upload parts."""
    from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg

    path = tmp_path_factory.mktemp("clip") / "console-clip.mp4"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=3,noise=alls=6:allf=t",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=3",
                "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p",
                "-c:a", "aac", "-shortest", "-y", str(path)], duration=3, time_budget=60, on_progress=None)
    assert path.stat().st_size > 2 * PART_SIZE, path.stat().st_size
    return path


def new_viewer(stack, password: str = "viewer-pass-1") -> tuple[str, str]:
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.com"
    answer = requests.post(stack.url("/api/register/"), timeout=10, json={
        "email": email, "password": password, "confirmed_password": password})
    assert answer.status_code == 201, answer.text
    uid, token = email_link(stack.wait_for_email(email, "Confirm your email"), "activate.html")
    assert requests.get(stack.url(f"/api/activate/{uid}/{token}/"), timeout=10).status_code == 200
    return email, password


def log_in_to(page, stack, email: str, password: str) -> None:
    """Log in; the catalog may be empty here (no sample film), so only the page is waited for."""
    page.goto(stack.player + "/pages/auth/login.html")
    page.fill("[name=email]", email)
    page.fill("[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))


def film_row(page, title: str):
    return page.locator("#films tbody tr", has=page.locator(".film-title", has_text=title))


@pytest.fixture(scope="module")
def ready_film(console_stack, clip) -> dict:
    """A published film uploaded over HTTP (as `videoflix upload` does), transcoded and ready."""
    import time

    from videoflix_tools.testing.multipart import put_parts

    staff = staff_session(console_stack)
    created = staff.post(console_stack.url("/api/admin/videos/"), timeout=10, json={
        "title": f"Console Film {uuid.uuid4().hex[:6]}", "description": "For the console tests.",
        "category": "Console", "filename": clip.name, "size": clip.stat().st_size, "content_type": "video/mp4"})
    assert created.status_code == 201, created.text
    video_id = created.json()["video"]["id"]
    parts = put_parts(created.json()["upload"], clip)
    answer = staff.post(console_stack.url(f"/api/admin/videos/{video_id}/upload/complete/"),
                        json={"parts": parts}, timeout=30)
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + READY_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        video = staff.get(console_stack.url(f"/api/admin/videos/{video_id}/"), timeout=10).json()
        if video["status"] == "ready":
            return video
        assert video["status"] != "failed", video
        time.sleep(1)
    raise AssertionError(f"film {video_id} not ready\n{console_stack.log_tail()}")


def test_upload_from_the_browser_resumed_after_a_reload_until_ready(console_stack, page, clip, artifacts):
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.click("#staff-console-link")  # in the header for staff
    page.wait_for_url(re.compile(r"/admin/$"))
    page.wait_for_selector("#upload-form")
    title = f"Browser Upload {uuid.uuid4().hex[:6]}"

    # The first try loses part 3 (storage unreachable); parts 1 and 2 arrive.
    def fail_third_part(route):
        if "partNumber=3" in route.request.url:
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(r"partNumber=\d+"), fail_third_part)
    page.set_input_files("#upload-file", str(clip))
    assert page.input_value("[name=title]") == "console clip"  # prefilled from the file name
    page.fill("[name=title]", title)
    page.fill("[name=category]", "Console")
    page.fill("[name=description]", "Uploaded from the staff console.")
    page.click("#upload-start")
    page.wait_for_selector("#upload-progress[data-stage=failed]", timeout=60_000)
    assert "Part 3 failed" in page.inner_text("#upload-error")
    page.unroute(re.compile(r"partNumber=\d+"))

    # After a reload the console remembers the upload and asks for the same file again.
    page.reload()
    item = page.locator(".resume-item").first
    item.wait_for()
    assert "2 of 3 parts already uploaded" in item.inner_text()
    page.screenshot(path=str(artifacts / "console-resume.png"), full_page=True)

    # A different file is refused in words; the same file sends only the missing part.
    other = clip.with_name("other.mp4")
    other.write_bytes(b"not the same film")
    item.locator("input[type=file]").set_input_files(str(other))
    page.wait_for_selector(".resume-item [role=alert]:not([hidden])")
    assert "the upload was of \"console-clip.mp4\"" in item.locator("[role=alert]").inner_text()
    sent_parts: list[str] = []
    page.on("request", lambda request: request.method == "PUT" and "partNumber=" in request.url
            and sent_parts.append(re.search(r"partNumber=(\d+)", request.url).group(1)))
    item.locator("input[type=file]").set_input_files(str(clip))
    page.wait_for_selector("#upload-progress[data-stage=transcoding], #upload-progress[data-stage=ready]")
    assert sent_parts == ["3"]

    # Then the transcode's progress, until ready; the table shows it too.
    page.wait_for_selector("#upload-progress[data-stage=ready]", timeout=READY_TIMEOUT_MS)
    assert f'"{title}" is in the catalog' in page.inner_text("#upload-words")
    row = film_row(page, title)
    assert row.locator(".film-status").inner_text() == "Ready"
    assert page.locator(".resume-item").count() == 0
    page.screenshot(path=str(artifacts / "console-films.png"), full_page=True)
    assert page.errors == []


def test_upload_by_drag_and_drop_shows_parallel_progress(console_stack, page, clip):
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(console_stack.player + "/admin/")
    page.wait_for_selector("#upload-form")
    # A drop of the clip onto the zone, as a file manager does it: the file is picked through a
    # scratch input (Playwright's way to hand a page a file), then dropped in a DataTransfer.
    page.evaluate("""() => { const input = document.createElement('input'); input.type = 'file';
        input.id = 'scratch-file'; input.hidden = true; document.body.append(input); }""")
    page.set_input_files("#scratch-file", files=[{"name": "dropped-clip.mp4", "mimeType": "video/mp4",
                                                  "buffer": clip.read_bytes()}])
    transfer = page.evaluate_handle("""() => { const transfer = new DataTransfer();
        transfer.items.add(document.querySelector('#scratch-file').files[0]); return transfer; }""")
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    assert "dropped-clip.mp4" in page.inner_text("#chosen-file")
    page.fill("[name=category]", "Console")
    page.uncheck("[name=published]")  # a draft

    # Parts in flight, counted in the page as the uploader sends them (3 at a time, no more).
    page.evaluate("""() => {
        window.partsInFlight = {now: 0, most: 0};
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) {
            if (body instanceof Blob) {
                const counter = window.partsInFlight;
                counter.now += 1;
                counter.most = Math.max(counter.most, counter.now);
                this.addEventListener('loadend', () => { counter.now -= 1; });
            }
            return send.call(this, body);
        };
    }""")
    page.click("#upload-start")
    page.wait_for_selector("#upload-progress[data-stage=ready]", timeout=READY_TIMEOUT_MS)
    assert page.evaluate("window.partsInFlight.most") == 3  # three parts at a time
    assert "is a draft" in page.inner_text("#upload-words")
    row = film_row(page, "dropped clip")
    assert (row.locator(".visibility").inner_text(),
            row.locator("[data-action=publish]").inner_text()) == ("Draft", "Publish")


def test_edited_title_reaches_viewers_and_unpublishing_hides_the_film(console_stack, ready_film, page, browser,
                                                                       artifacts):
    film_id = ready_film["id"]
    viewer_email, viewer_password = new_viewer(console_stack)
    viewer_context = browser.new_context(viewport={"width": 1280, "height": 800})
    viewer = viewer_context.new_page()
    try:
        log_in_to(viewer, console_stack, viewer_email, viewer_password)
        assert viewer.locator("#staff-console-link").count() == 0

        # Staff edit the film's details.
        log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
        page.goto(f"{console_stack.player}/admin/film.html?id={film_id}")
        page.wait_for_selector("#edit-form [name=title]")
        page.wait_for_function("() => document.querySelector('#edit-form [name=title]').value !== ''")
        new_title = f"Renamed {uuid.uuid4().hex[:6]}"
        page.fill("#edit-form [name=title]", new_title)
        page.fill("#edit-form [name=category]", "Edited")
        page.click("#edit-form button[type=submit]")
        page.wait_for_selector("#console-status[data-kind=success]")
        assert page.inner_text("#film-heading") == new_title

        # The viewer's catalog shows the new title.
        viewer.reload()
        card = viewer.locator(f".video-card[data-video-id='{film_id}']")
        card.wait_for()
        assert card.locator(".video-title").inner_text() == new_title
        assert viewer.locator(".category[data-category=Edited]").count() == 1

        # Staff unpublish it from the films table.
        page.goto(console_stack.player + "/admin/")
        film = page.locator(f"#films tr[data-video-id='{film_id}']")
        publish = film.locator("[data-action=publish]")
        publish.wait_for()
        assert (film.locator(".visibility").inner_text(), publish.inner_text()) == ("Published", "Unpublish")
        publish.click()
        page.wait_for_selector("#console-status[data-kind=success]")
        assert "is now a draft" in page.inner_text("#console-status")

        # Gone for the viewer: the catalog and the playlist (404).
        viewer.reload()
        viewer.wait_for_function("""() => { const status = document.querySelector('#catalog-status');
            return status && !status.textContent.startsWith('Loading'); }""")
        assert viewer.locator(f".video-card[data-video-id='{film_id}']").count() == 0
        status = viewer.evaluate("""async ([api, id]) => (await fetch(`${api}/api/video/${id}/master.m3u8`,
                                    {credentials: 'include'})).status""", [console_stack.api, film_id])
        assert status == 404

        # Staff still preview it, and pick a poster from a frame.
        page.goto(f"{console_stack.player}/admin/film.html?id={film_id}")
        page.wait_for_selector("#preview-note:not([hidden])")
        assert "draft" in page.inner_text("#preview-note")
        page.click("#preview-play")
        page.wait_for_function("() => document.querySelector('#preview').currentTime > 1", timeout=30_000)
        page.click("#preview-play")  # pause
        page.click("#use-frame")
        page.wait_for_selector("#console-status[data-kind=success]", timeout=READY_TIMEOUT_MS)
        assert "The poster is now the frame at" in page.inner_text("#console-status")
        page.wait_for_function("() => document.querySelector('#poster').naturalWidth > 0")
        page.screenshot(path=str(artifacts / "console-film.png"), full_page=True)
        assert page.locator("#preview-error").is_hidden()
        assert page.errors == []
    finally:
        viewer_context.close()


def test_deactivating_a_user_ends_their_open_session(console_stack, page, browser, artifacts):
    viewer_email, viewer_password = new_viewer(console_stack)
    viewer_context = browser.new_context(viewport={"width": 1280, "height": 800})
    viewer = viewer_context.new_page()
    try:
        log_in_to(viewer, console_stack, viewer_email, viewer_password)

        log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
        page.goto(console_stack.player + "/admin/users.html")
        page.fill("#user-search [name=q]", viewer_email)
        page.press("#user-search [name=q]", "Enter")
        row = page.locator(f"#users tr[data-email='{viewer_email}']")
        # The unfiltered first page may still be on screen (it lists the viewer too): wait for the search's.
        expect(page.locator("#users tbody tr")).to_have_count(1)
        row.locator("[data-action=active]").click()
        page.locator("dialog.confirm").wait_for()
        page.screenshot(path=str(artifacts / "console-users-confirm.png"))
        page.click("#confirm-yes")
        page.wait_for_selector("#console-status[data-kind=success]")
        assert row.locator(".badge", has_text="Disabled").count() == 1
        page.screenshot(path=str(artifacts / "console-users.png"), full_page=True)

        # The viewer's next API call finds the session ended: back to log in.
        viewer.reload()
        viewer.wait_for_url(re.compile(r"/pages/auth/login\.html\?next="))

        # The history says who did it.
        page.goto(console_stack.player + "/admin/history.html")
        page.wait_for_selector("#history tbody tr")
        first = page.locator("#history tbody tr").first.inner_text()
        assert ADMIN_EMAIL in first and "is_active" in first
        page.screenshot(path=str(artifacts / "console-history.png"), full_page=True)
    finally:
        viewer_context.close()


def test_an_account_never_confirmed_shows_as_pending_with_the_resend_action(console_stack, page, artifacts):
    # Issue 21: such an account read "Disabled" and offered Enable (which activated the registrant's password).
    email = f"squatted-{uuid.uuid4().hex[:8]}@example.com"
    answer = requests.post(console_stack.url("/api/register/"), timeout=10, json={
        "email": email, "password": "squatter-pass-1", "confirmed_password": "squatter-pass-1"})
    assert answer.status_code == 201, answer.text
    uid, token = email_link(console_stack.wait_for_email(email, "Confirm your email"), "activate.html")

    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(console_stack.player + "/admin/users.html")
    page.fill("#user-search [name=q]", email)
    page.press("#user-search [name=q]", "Enter")
    row = page.locator(f"#users tr[data-email='{email}']")
    row.wait_for()
    assert row.locator(".badge", has_text="Pending confirmation").count() == 1
    assert row.locator(".badge", has_text="Disabled").count() == 0
    assert row.locator("[data-action=activation]").inner_text() == "Resend activation"
    assert row.locator("[data-action=active]").inner_text() == "Disable"  # never "Enable"
    assert row.locator("[data-action=staff]").count() == 0
    page.screenshot(path=str(artifacts / "console-users-pending.png"), full_page=True)

    row.locator("[data-action=activation]").click()
    page.wait_for_selector("#console-status[data-kind=success]")
    console_stack.wait_for_email(email, "Confirm your email")

    # Disabling it kills the links it has out; it reads "Disabled" then, still with the resend action.
    row.locator("[data-action=active]").click()
    page.locator("dialog.confirm").wait_for()
    assert "never confirmed" in page.inner_text("dialog.confirm")
    page.click("#confirm-yes")
    page.wait_for_selector("#console-status[data-kind=success] >> text=its links no longer work")
    row.locator(".badge", has_text="Disabled").wait_for()
    assert row.locator("[data-action=activation]").count() == 1
    assert requests.get(console_stack.url(f"/api/activate/{uid}/{token}/"), timeout=10).status_code == 400
    assert page.errors == []


def test_revoking_your_own_staff_rights_is_refused_and_the_console_says_why(console_stack, page):
    # The own-account guard: over HTTP the actor is always active staff, so the last-staff rule
    # is reached only through the use case (tests/integration/console/test_users.py).
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(console_stack.player + "/admin/users.html")
    row = page.locator(f"#users tr[data-email='{ADMIN_EMAIL}']")
    row.locator("[data-action=staff]").click()
    page.click("#confirm-yes")
    page.wait_for_selector("#console-status[data-kind=error]")
    answer = staff_session(console_stack).patch(
        console_stack.url(f"/api/admin/users/{row.get_attribute('data-user-id')}/"), json={"is_staff": False},
        headers={"Origin": console_stack.player}, timeout=10)
    assert answer.status_code == 409
    assert "You cannot disable or demote your own account" in answer.json()["detail"]
    assert answer.json()["detail"] in page.inner_text("#console-status")


def test_queues_page_lists_the_queues(console_stack, page, artifacts):
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(console_stack.player + "/admin/queues.html")
    page.wait_for_selector("#queues tr[data-queue=transcode]")
    assert page.locator("#queues tr[data-queue=transcode-dlq] [data-action=redrive]").count() == 1
    page.screenshot(path=str(artifacts / "console-queues.png"), full_page=True)
    assert page.errors == []


def test_a_viewer_gets_the_staff_only_page(console_stack, page, artifacts):
    # Anonymous: the login page, which then leads back to the console.
    page.goto(console_stack.player + "/admin/")
    page.wait_for_url(re.compile(r"/pages/auth/login\.html\?next=%2Fadmin%2F"))

    email, password = new_viewer(console_stack)
    log_in_to(page, console_stack, email, password)
    assert page.locator("#staff-console-link").count() == 0
    page.goto(console_stack.player + "/admin/")
    page.wait_for_selector("#staff-only")
    assert page.inner_text("#staff-only") == "Staff only"
    assert "not a staff account" in page.inner_text("main")
    assert page.locator("#films, #upload-form").count() == 0
    page.screenshot(path=str(artifacts / "console-staff-only.png"))
    # Nothing leaks through the API either.
    status = page.evaluate("""async (api) => (await fetch(`${api}/api/admin/users/`,
                              {credentials: 'include'})).status""", console_stack.api)
    assert status == 403


def test_poster_from_an_uploaded_picture(console_stack, ready_film, page, tmp_path):
    from PIL import Image

    picture = tmp_path / "poster.png"
    Image.new("RGB", (320, 180), (200, 30, 30)).save(picture)
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{console_stack.player}/admin/film.html?id={ready_film['id']}")
    page.wait_for_selector("#poster-form")
    page.wait_for_function("() => document.querySelector('#film-heading').textContent !== 'Loading…'")
    page.set_input_files("#poster-file", str(picture))
    page.click("#poster-form button[type=submit]")
    page.wait_for_selector("#console-status[data-kind=success]")
    assert page.inner_text("#console-status") == "The uploaded picture is now the poster."
    page.wait_for_function("() => document.querySelector('#poster').naturalWidth === 320")
    # The re-encoded JPEG is what the catalog shows (the transcoder's frame was 640x360).
    staff = staff_session(console_stack)
    video = staff.get(console_stack.url(f"/api/admin/videos/{ready_film['id']}/"), timeout=10).json()
    assert requests.get(video["thumbnail_url"], timeout=10).content[:2] == b"\xff\xd8"

    # A picture the API refuses: its words are shown.
    text = tmp_path / "notes.png"
    text.write_bytes(b"this is not a picture")
    page.set_input_files("#poster-file", str(text))
    page.click("#poster-form button[type=submit]")
    page.wait_for_selector("#poster-form .form-error:not([hidden])")
    assert "not a JPEG or PNG" in page.inner_text("#poster-form .form-error")


def test_delete_asks_first_and_refused_uploads_are_explained(console_stack, page, tmp_path):
    staff = staff_session(console_stack)
    title = f"To Delete {uuid.uuid4().hex[:6]}"
    created = staff.post(console_stack.url("/api/admin/videos/"), timeout=10, json={
        "title": title, "category": "Console", "filename": "x.mp4", "size": 1000, "content_type": "video/mp4"})
    assert created.status_code == 201, created.text
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(console_stack.player + "/admin/")
    row = film_row(page, title)
    row.wait_for()

    # Escape cancels, and the focus goes back to the button; then a confirmed delete.
    row.locator("[data-action=delete]").focus()
    page.keyboard.press("Enter")
    page.locator("dialog.confirm").wait_for()
    page.keyboard.press("Escape")
    assert page.locator("dialog.confirm").count() == 0
    assert page.evaluate("document.activeElement.dataset.action") == "delete"
    assert row.count() == 1
    page.keyboard.press("Enter")
    page.click("#confirm-yes")
    page.wait_for_selector("#console-status[data-kind=success]")
    assert page.inner_text("#console-status") == f'"{title}" was deleted.'
    assert row.count() == 0
    assert staff.get(console_stack.url(f"/api/admin/videos/{created.json()['video']['id']}/"),
                     timeout=10).status_code == 404

    # A file the API does not take: the reason in words beside the file, nothing created.
    notes = tmp_path / "notes.txt"
    notes.write_text("not a film")
    page.set_input_files("#upload-file", str(notes))
    page.fill("[name=category]", "Console")
    page.click("#upload-start")
    page.wait_for_selector("[data-error-for=content_type]:not(:empty)")
    assert "Not a supported video type" in page.inner_text("[data-error-for=content_type]")
    assert page.locator("#upload-progress").is_hidden()


CAPTIONS_VTT = "WEBVTT\n\n00:00.000 --> 00:01.000\nHallo\n\n00:01.000 --> 00:02.500\nWelt\n"
CAPTIONS_SRT = "1\n00:00:00,000 --> 00:00:01,500\nHello\n"


def captions_of(stack, film_id: int) -> list[tuple[str, str, bool, int]]:
    answer = staff_session(stack).get(stack.url(f"/api/admin/videos/{film_id}/captions/"), timeout=10)
    assert answer.status_code == 200, answer.text
    return [(c["lang"], c["label"], c["default"], c["cues"]) for c in answer.json()]


def caption_rows(page) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()[:4]]
            for row in page.locator("#captions tbody tr").all()]


def test_captions_are_added_listed_and_removed_on_the_film_page(console_stack, ready_film, page, tmp_path):
    film_id = ready_film["id"]
    german, english = tmp_path / "de.vtt", tmp_path / "en.srt"
    german.write_text(CAPTIONS_VTT, encoding="utf-8")
    english.write_text(CAPTIONS_SRT, encoding="utf-8")
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)
    page.goto(f"{console_stack.player}/admin/film.html?id={film_id}")
    page.wait_for_selector("#captions-empty:not([hidden])")

    # Added with a file, a language, a label and as the default, as `videoflix captions add` does.
    page.set_input_files("#caption-file", str(german))
    page.fill("#caption-form [name=lang]", "de")
    page.fill("#caption-form [name=label]", "Deutsch")
    page.check("#caption-form [name=default]")
    page.click("#caption-form button[type=submit]")
    page.wait_for_selector("#captions tr[data-lang=de]")
    assert caption_rows(page) == [["de", "Deutsch", "default", "2"]]
    assert captions_of(console_stack, film_id) == [("de", "Deutsch", True, 2)]

    # An SRT file, converted by the API; the label defaults to the language.
    page.set_input_files("#caption-file", str(english))
    page.fill("#caption-form [name=lang]", "en")
    page.click("#caption-form button[type=submit]")
    page.wait_for_selector("#captions tr[data-lang=en]")
    assert caption_rows(page) == [["de", "Deutsch", "default", "2"], ["en", "en", "", "1"]]

    # A bad file: the API's reason beside the form, nothing added.
    bad = tmp_path / "bad.vtt"
    bad.write_text("not captions at all", encoding="utf-8")
    page.set_input_files("#caption-file", str(bad))
    page.fill("#caption-form [name=lang]", "fr")
    page.click("#caption-form button[type=submit]")
    page.wait_for_selector("#caption-form [data-error-for=content]:not(:empty)")
    assert len(captions_of(console_stack, film_id)) == 2

    # Removed after a confirmation.
    page.click("#captions tr[data-lang=de] [data-action=remove-caption]")
    page.click("#confirm-yes")
    page.wait_for_function("() => !document.querySelector('#captions tr[data-lang=de]')")
    assert caption_rows(page) == [["en", "en", "", "1"]]
    assert captions_of(console_stack, film_id) == [("en", "en", False, 1)]
    assert page.errors == []


def test_a_draft_reads_as_a_draft_with_a_publish_action(console_stack, page):
    staff = staff_session(console_stack)
    title = f"Draft {uuid.uuid4().hex[:6]}"
    created = staff.post(console_stack.url("/api/admin/videos/"), timeout=10, json={
        "title": title, "category": "Console", "filename": "x.mp4", "size": 1000, "content_type": "video/mp4",
        "published": False})
    assert created.status_code == 201, created.text
    film_id = created.json()["video"]["id"]
    log_in_to(page, console_stack, ADMIN_EMAIL, ADMIN_PASSWORD)

    # The films table: the word, and the action that changes it; no checkbox.
    page.goto(console_stack.player + "/admin/")
    row = film_row(page, title)
    row.wait_for()
    assert row.locator("input[type=checkbox]").count() == 0
    assert row.locator(".visibility").inner_text() == "Draft"
    assert row.locator("[data-action=publish]").inner_text() == "Publish"

    # The film's page: the same, and publishing from there.
    page.goto(f"{console_stack.player}/admin/film.html?id={film_id}")
    page.wait_for_selector("#visibility-state")
    assert page.inner_text("#visibility-state") == "Draft"
    assert page.locator("#edit-form [name=published]").count() == 0
    page.click("#publish-toggle")
    page.wait_for_selector("#console-status[data-kind=success]")
    assert page.inner_text("#visibility-state") == "Published"
    assert page.inner_text("#publish-toggle") == "Unpublish"
    assert staff.get(console_stack.url(f"/api/admin/videos/{film_id}/"), timeout=10).json()["published"] is True

    # And back to a draft from the table.
    page.goto(console_stack.player + "/admin/")
    row.locator("[data-action=publish]").click()
    page.wait_for_selector("#console-status[data-kind=success]")
    assert "is now a draft" in page.inner_text("#console-status")
    assert row.locator(".visibility").inner_text() == "Draft"
    assert staff.get(console_stack.url(f"/api/admin/videos/{film_id}/"), timeout=10).json()["published"] is False
    assert page.errors == []


def test_the_watch_page_of_an_unknown_or_unpublished_film_says_so_and_leads_back(console_stack, page):
    staff = staff_session(console_stack)
    created = staff.post(console_stack.url("/api/admin/videos/"), timeout=10, json={
        "title": "Not for viewers", "category": "Console", "filename": "x.mp4", "size": 1000,
        "content_type": "video/mp4", "published": False})
    assert created.status_code == 201, created.text
    email, password = new_viewer(console_stack)
    log_in_to(page, console_stack, email, password)
    for film_id in (created.json()["video"]["id"], 987654):
        page.goto(f"{console_stack.player}/pages/video/watch.html?id={film_id}")
        page.wait_for_selector("#not-found:not([hidden])")
        assert page.inner_text("#video-title") == "Film not available"
        assert "does not exist or is not published" in page.inner_text("#not-found")
        assert page.locator("#player").is_hidden()
        page.click("#not-found a")
        page.wait_for_url(re.compile(r"/pages/video/catalog\.html"))
    assert page.errors == []


def test_a_logged_out_visitor_is_sent_to_the_login_without_a_failed_refresh(console_stack, page):
    logged: list[str] = []
    page.on("console", lambda message: message.type in ("error", "warning") and logged.append(message.text))
    refreshes: list[str] = []
    page.on("request", lambda request: request.url.endswith("/api/token/refresh/") and refreshes.append(request.url))
    for path in ("/pages/video/catalog.html", "/pages/video/watch.html?id=1", "/admin/", "/admin/film.html?id=1"):
        page.goto(console_stack.player + path)
        page.wait_for_url(re.compile(r"/pages/auth/login\.html\?next="))
        page.wait_for_selector("#login-notice:not([hidden])")
    assert refreshes == []
    assert logged == []
    assert page.errors == []
