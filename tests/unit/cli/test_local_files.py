"""What the CLI keeps on disk (credentials, resume notes) and where, and its file checks."""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from videoflix_tools.cli.config import config_dir, read_password
from videoflix_tools.cli.credentials import Credentials, CredentialStore, write_private_json
from videoflix_tools.cli.ops import CommandFailed
from videoflix_tools.cli.upload_state import FileIdentity, UploadStates
from videoflix_tools.cli.video_files import video_content_type

API = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("VIDEOFLIX_CONFIG_DIR", "XDG_CONFIG_HOME", "VIDEOFLIX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def test_config_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "videoflix"
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/is/ignored")
    assert config_dir() == tmp_path / "home" / ".config" / "videoflix"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "videoflix"
    monkeypatch.setenv("VIDEOFLIX_CONFIG_DIR", str(tmp_path / "explicit"))
    assert config_dir() == tmp_path / "explicit"


def test_password_from_the_environment_before_standard_input(monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.StringIO("from-stdin\r\n"))
    assert read_password("Password: ") == "from-stdin"
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", "from-env")
    assert read_password("Password: ") == "from-env"


def test_private_files_are_0600_from_the_start_even_under_a_lax_umask(tmp_path):
    previous = os.umask(0)
    try:
        path = tmp_path / "new" / "secret.json"
        write_private_json(path, {"a": 1})
        write_private_json(path, {"a": 2})
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {"a": 2}
    assert [p.name for p in path.parent.iterdir()] == ["secret.json"]  # no temporary file left


def test_credentials_round_trip_and_clear(tmp_path):
    store = CredentialStore(tmp_path)
    with pytest.raises(CommandFailed, match="not logged in"):
        store.load()
    credentials = Credentials(API, "admin@example.com", "access.jwt.x", "refresh.jwt.y")
    store.save(credentials)
    assert store.load() == credentials
    store.clear()
    with pytest.raises(CommandFailed, match="not logged in"):
        store.load()


@pytest.mark.parametrize("content", ["{not json", json.dumps({"api": API})])
def test_damaged_credentials_ask_for_a_new_login(tmp_path, content):
    (tmp_path / "credentials.json").write_text(content)
    with pytest.raises(CommandFailed, match="videoflix login"):
        CredentialStore(tmp_path).load()


def test_a_resume_note_belongs_to_one_file_state_and_one_api(tmp_path):
    film = tmp_path / "film.mp4"
    film.write_bytes(b"x" * 10)
    states = UploadStates(tmp_path / "config")
    original = FileIdentity.of(film)
    states.remember(API, original, 7)
    assert states.video_for(API, original) == 7
    assert states.video_for("https://api.example.com", original) is None
    assert stat.S_IMODE(states.path.stat().st_mode) == 0o600

    os.utime(film, ns=(original.mtime_ns + 10**9, original.mtime_ns + 10**9))
    assert states.video_for(API, FileIdentity.of(film)) is None  # edited since: another upload

    states.forget(API, original)
    assert states.video_for(API, original) is None


def test_deleting_a_video_drops_its_resume_note(tmp_path):
    states = UploadStates(tmp_path)
    one, two = FileIdentity("/a.mp4", 1, 1), FileIdentity("/b.mp4", 1, 1)
    states.remember(API, one, 1)
    states.remember(API, two, 2)
    states.forget_video(API, 1)
    assert (states.video_for(API, one), states.video_for(API, two)) == (None, 2)


def test_a_damaged_resume_file_means_starting_over(tmp_path):
    (tmp_path / "uploads.json").write_text("[1, 2")
    assert UploadStates(tmp_path).video_for(API, FileIdentity("/a.mp4", 1, 1)) is None


@pytest.mark.parametrize("name, expected", [
    ("film.mp4", "video/mp4"), ("FILM.MOV", "video/quicktime"), ("a.mkv", "video/x-matroska"),
    ("a.webm", "video/webm"),
])
def test_video_files_get_the_content_type_the_api_accepts(tmp_path, name, expected):
    path = tmp_path / name
    path.write_bytes(b"\0")
    assert video_content_type(path) == expected


@pytest.mark.parametrize("name, message", [
    ("notes.txt", "notes.txt does not look like a video (text/plain)"),
    ("noextension", "noextension does not look like a video (unknown type)"),
])
def test_other_files_are_refused(tmp_path, name, message):
    path = tmp_path / name
    path.write_bytes(b"hello")
    with pytest.raises(CommandFailed, match=message.replace("(", r"\(").replace(")", r"\)")):
        video_content_type(path)


def test_missing_empty_and_folder_paths_are_refused(tmp_path):
    with pytest.raises(CommandFailed, match="no such file"):
        video_content_type(tmp_path / "missing.mp4")
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(CommandFailed, match="is empty"):
        video_content_type(tmp_path / "empty.mp4")
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    with pytest.raises(CommandFailed, match="is not a file"):
        video_content_type(Path(folder))
