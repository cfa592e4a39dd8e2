"""The reference player's files and the static server `make dev` runs for them."""
from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from videoflix_tools.dev.player import PLAYER_DIR, config_script, insights_config, player_app

PAGES = ["pages/auth/register.html", "pages/auth/check_email.html", "pages/auth/activate.html",
         "pages/auth/login.html", "pages/auth/forgot_password.html", "pages/auth/confirm_password.html",
         "pages/video/catalog.html", "pages/video/watch.html", "admin/insights.html"]


@pytest.fixture
def client(tmp_path) -> Client:
    (tmp_path / "index.html").write_text("<p>home</p>")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "index.html").write_text("<p>pages</p>")
    (tmp_path / "config.js").write_text("window.VIDEOFLIX_CONFIG = {};")
    return Client(player_app(tmp_path, config_script("http://127.0.0.1:8123", True)))


def test_a_page_opened_as_localhost_is_sent_to_the_host_the_cookies_belong_to(tmp_path):
    (tmp_path / "index.html").write_text("<p>home</p>")
    app = Client(player_app(tmp_path, config_script("http://127.0.0.1:8123", True), "http://127.0.0.1:5599"))
    answer = app.get("/pages/auth/activate.html?uid=MQ&token=a-b", headers={"Host": "localhost:5599"})
    assert answer.status_code == 307
    assert answer.headers["Location"] == "http://127.0.0.1:5599/pages/auth/activate.html?uid=MQ&token=a-b"
    assert app.get("/", headers={"Host": "LOCALHOST:5599"}).headers["Location"] == "http://127.0.0.1:5599/"
    assert app.get("/", headers={"Host": "127.0.0.1:5599"}).get_data() == b"<p>home</p>"


def test_serves_files_and_index_pages(client):
    assert client.get("/").get_data() == b"<p>home</p>"
    assert client.get("/pages/").get_data() == b"<p>pages</p>"
    assert "no-cache" in client.get("/index.html").headers["Cache-Control"]


def test_config_tells_the_pages_where_the_api_is(client):
    answer = client.get("/config.js")
    assert answer.get_data(as_text=True) == \
        'window.VIDEOFLIX_CONFIG = {"apiBase": "http://127.0.0.1:8123", "devMode": true};\n'
    assert answer.headers["Content-Type"].startswith("text/javascript")
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/missing.html", "/pages"])
def test_nothing_outside_the_folder_or_missing(client, tmp_path, path):
    (tmp_path.parent / "secret.txt").write_text("secret")
    assert client.get(path).status_code == 404


def test_the_config_tells_the_player_about_insights():
    script = config_script("http://127.0.0.1:8123", True, insights_config(False, 1500)).decode()
    assert '"playbackInsights": false' in script and '"playbackReportIntervalMs": 1500' in script


def test_only_reads(client):
    assert client.post("/index.html").status_code == 405


def test_the_pages_the_issue_lists_exist_and_reference_only_local_files():
    for page in ["index.html", *PAGES]:
        html = (PLAYER_DIR / page).read_text()
        for reference in re.findall(r'(?:src|href)="([^"]+)"', html):
            if reference.startswith("data:") or reference == "/config.js":
                continue
            assert not re.match(r"(https?:)?//", reference), f"{page} loads {reference} from another host"
            if reference.startswith("/node_modules/"):
                continue  # installed by `npm ci`; the browser tests load it
            assert (PLAYER_DIR / reference.lstrip("/").split("?")[0]).is_file(), f"{page}: {reference}"


def test_hls_js_is_pinned_and_every_fetch_sends_cookies():
    import json

    package = json.loads((PLAYER_DIR / "package.json").read_text())
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["dependencies"]["hls.js"])
    lock = json.loads((PLAYER_DIR / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/hls.js"]["version"] == package["dependencies"]["hls.js"]
    # The console's charts (admin/insights.html): uPlot, pinned the same way.
    assert re.fullmatch(r"\d+\.\d+\.\d+", package["dependencies"]["uplot"])
    assert lock["packages"]["node_modules/uplot"]["version"] == package["dependencies"]["uplot"]
    scripts = {path: path.read_text() for path in (PLAYER_DIR / "assets").rglob("*.js")}
    fetching = [path for path, text in scripts.items() if "fetch(" in text]
    assert [path.name for path in fetching] == ["api.js"]
    assert 'credentials: "include"' in scripts[fetching[0]]
