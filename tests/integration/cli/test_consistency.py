"""The `videoflix` console script run as a process (as a person or a script runs it), against the API over HTTP:
every listing has --json, publish and retry say what really happens, history past its end says so,
and a closed pipe ends it quietly."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.videos import set_video, video_row

pytestmark = pytest.mark.integration
UPLOAD = ("--title", "Not a film", "--category", "Tests")


def run_cli(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    # The test's environment: VIDEOFLIX_CONFIG_DIR (the login) and PYTHONPATH (this checkout).
    return subprocess.run([sys.executable, "-m", "videoflix_tools.cli.main", *argv], capture_output=True,
                          text=True, timeout=timeout, env=dict(os.environ), check=False)


def error_line(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("videoflix: error: ")
    return line


def test_videos_and_captions_list_print_json_with_json(logged_in, ready_row):
    film = ready_row(duration=10.0, title="Jason")
    videos = run_cli("videos", "--json")
    assert videos.returncode == 0, videos.stderr
    assert [(v["id"], v["title"], v["status"]) for v in json.loads(videos.stdout)] == [(film, "Jason", "ready")]
    captions = run_cli("captions", "list", str(film), "--json")
    assert captions.returncode == 0, captions.stderr
    assert json.loads(captions.stdout) == []


def test_publish_of_a_failed_film_says_it_cannot_be_seen_and_changes_nothing(logged_in, ready_row, services):
    film = ready_row(published=False)
    set_video(services, film, status="failed", error="FFmpeg ran out of time.")
    line = error_line(run_cli("publish", str(film)))
    assert f"video {film} failed (FFmpeg ran out of time.)" in line and f"videoflix retry {film}" in line
    assert "is published" not in line
    assert video_row(services, film).published is False

    set_video(services, film, status="processing", error=None, progress=40)
    done = run_cli("publish", str(film))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Video {film} is published: viewers see it once it is transcoded (now processing)."


def test_retry_of_a_file_that_is_no_video_says_why_instead_of_queueing_it(logged_in, tmp_path, services):
    fake = tmp_path / "notes.mp4"
    fake.write_text("Shopping list: milk, bread.\n" * 40, encoding="utf-8")
    uploaded = run_cli("upload", str(fake), *UPLOAD)
    assert uploaded.returncode == 0, uploaded.stderr
    set_video(services, 1, status="failed",
              error="The file is not a video in a supported format: it looks like a text file.")
    line = error_line(run_cli("retry", "1"))
    assert "not a video in a supported format (it looks like a text file)" in line
    assert "videoflix delete 1" in line and "queued" not in line
    assert video_row(services, 1).status == "failed"


def test_history_past_its_end_says_so(logged_in, ready_row):
    film = ready_row()
    assert run_cli("edit", str(film), "--title", "Renamed").returncode == 0
    first = run_cli("history")
    assert first.returncode == 0 and "Renamed" in first.stdout, first.stdout
    past = run_cli("history", "--page", "5")
    assert past.returncode == 0, past.stderr
    assert "No changes recorded yet" not in past.stdout
    assert past.stdout.strip() == ("Page 5 is past the end: 1 change(s) on 1 page(s) of 20; "
                                   "`videoflix history --page 1` shows the oldest.")


def test_json_into_a_closed_pipe_ends_quietly(logged_in, ready_row):
    for _ in range(3):
        ready_row()
    # `videoflix videos --json | head -c0`: the reader is gone before a byte is written.
    process = subprocess.Popen([sys.executable, "-m", "videoflix_tools.cli.main", "videos", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    process.stdout.close()
    error = process.stderr.read().decode()
    code = process.wait(timeout=60)
    assert "Traceback" not in error and "BrokenPipeError" not in error, error
    assert error == ""
    assert code == 141
