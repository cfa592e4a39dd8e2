"""`videoflix dev --reset` (`make dev-reset`): says what it deletes, deletes only that."""
from __future__ import annotations

from pathlib import Path

import pytest

from videoflix_tools.dev.stack import DevDataError, reset_dev_data


def _fill(folder: Path) -> None:
    (folder / "s3" / "videoflix-media" / "data").mkdir(parents=True)
    (folder / "s3" / "videoflix-media" / "data" / "abc").write_bytes(b"segment")
    (folder / "videoflix.sqlite3").write_bytes(b"db")


def test_reset_names_then_deletes_the_data_folder_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _fill(tmp_path / ".dev")
    (tmp_path / ".env").write_text("KEEP=1\n")
    said: list[str] = []
    deleted = reset_dev_data({}, ".dev", say=said.append)
    assert deleted == [tmp_path / ".dev"]
    assert said == [f"Deleting {tmp_path / '.dev'}/ (SQLite database, S3 objects and uploads)"]
    assert not (tmp_path / ".dev").exists() and (tmp_path / ".env").read_text() == "KEEP=1\n"


def test_reset_also_deletes_a_sqlite_database_named_outside_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _fill(tmp_path / "state")
    (tmp_path / "elsewhere.sqlite3").write_bytes(b"db")
    (tmp_path / "elsewhere.sqlite3-wal").write_bytes(b"wal")
    said: list[str] = []
    reset_dev_data({"DATABASE_URL": f"sqlite:///{tmp_path}/elsewhere.sqlite3"}, "state", say=said.append)
    assert said[1:] == [f"Deleting {tmp_path / 'elsewhere.sqlite3'}", f"Deleting {tmp_path / 'elsewhere.sqlite3-wal'}"]
    assert list(tmp_path.iterdir()) == []


def test_reset_leaves_external_services_alone_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    said: list[str] = []
    assert reset_dev_data({"DATABASE_URL": "postgresql://u@db/videoflix", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
                          ".dev", say=said.append) == []
    assert said[0] == f"Nothing to reset: {tmp_path / '.dev'} does not exist."
    assert "external database: it is left as it is" in said[1] and "external endpoint" in said[2]


@pytest.mark.parametrize("folder", [".", "..", "/", "~"])
def test_reset_refuses_a_folder_that_holds_more_than_dev_state(tmp_path, monkeypatch, folder):
    work = tmp_path / "checkout"
    work.mkdir()
    monkeypatch.chdir(work)
    (work / "README.md").write_text("keep me")
    with pytest.raises(DevDataError, match="refusing to reset"):
        reset_dev_data({}, Path(folder).expanduser(), say=lambda line: None)
    assert (work / "README.md").read_text() == "keep me"
