"""An admin uploads with `videoflix upload --wait` on the dev stack; a viewer streams the film."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

pytestmark = pytest.mark.e2e
ORIGIN = "http://127.0.0.1:5500"


def run_cli(dev_stack, config_dir, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    environ = {**os.environ, "VIDEOFLIX_CONFIG_DIR": str(config_dir), "VIDEOFLIX_PASSWORD": ADMIN_PASSWORD}
    return subprocess.run([sys.executable, "-m", "videoflix_tools.cli.main", *args], env=environ, text=True,
                          capture_output=True, timeout=timeout, check=False)


def test_upload_wait_then_stream_through_presigned_urls(dev_stack, tmp_path):
    from videoflix_tools.clips import generate_test_clip

    clip = tmp_path / "e2e film.mp4"
    generate_test_clip(str(clip), seconds=4, width=854, height=480, audio=True)
    config = tmp_path / "cli"
    login = run_cli(dev_stack, config, "login", "--api", dev_stack.api, "--email", ADMIN_EMAIL)
    assert login.returncode == 0, login.stderr

    upload = run_cli(dev_stack, config, "upload", str(clip), "--title", "E2E film", "--description",
                     "Made by FFmpeg", "--category", "Tests", "--wait")
    assert upload.returncode == 0, f"{upload.stdout}\n{upload.stderr}\n{dev_stack.log_tail()}"
    assert "is ready: 480p" in upload.stdout
    assert "%" in upload.stderr  # the upload bar and the transcode percentage were shown

    viewer = requests.Session()
    viewer.headers.update({"Origin": ORIGIN})
    assert viewer.post(dev_stack.url("/api/login/"), json={"email": ADMIN_EMAIL,
                                                           "password": ADMIN_PASSWORD}).status_code == 200
    films = [v for v in viewer.get(dev_stack.url("/api/video/")).json() if v["title"] == "E2E film"]
    assert len(films) == 1 and films[0]["thumbnail_url"].startswith("http")
    assert requests.get(films[0]["thumbnail_url"], timeout=10).headers["Content-Type"] == "image/jpeg"
    video_id = films[0]["id"]

    master = viewer.get(dev_stack.url(f"/api/video/{video_id}/master.m3u8"))
    assert master.status_code == 200 and master.text.startswith("#EXTM3U")
    assert f"{dev_stack.api}/api/video/{video_id}/480p/index.m3u8" in master.text
    assert "720p" not in master.text  # a 480-line source is never upscaled

    rendition = viewer.get(dev_stack.url(f"/api/video/{video_id}/480p/index.m3u8"))
    assert rendition.headers["Content-Type"].startswith("application/vnd.apple.mpegurl")
    segment_urls = [line for line in rendition.text.splitlines() if line and not line.startswith("#")]
    assert segment_urls and all("X-Amz-Signature=" in url for url in segment_urls)
    first = requests.get(segment_urls[0], timeout=10)
    assert first.status_code == 200 and first.content[:1] == b"\x47"  # MPEG-TS sync byte

    name = segment_urls[0].split("?", 1)[0].rsplit("/", 1)[1]
    redirect = viewer.get(dev_stack.url(f"/api/video/{video_id}/480p/{name}/"), allow_redirects=False)
    assert redirect.status_code == 302
    assert requests.get(redirect.headers["Location"], timeout=10).content == first.content

    listing = run_cli(dev_stack, config, "videos")
    assert listing.returncode == 0 and "E2E film" in listing.stdout and "ready" in listing.stdout
