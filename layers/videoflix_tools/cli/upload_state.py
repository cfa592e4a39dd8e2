"""Which video an unfinished upload of a local file belongs to, so a re-run resumes it."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from videoflix_tools.cli.credentials import read_json, write_private_json

STATE_FILE = "uploads.json"


@dataclass(frozen=True)
class FileIdentity:
    """A file as it is now: a changed size or modification time makes it another upload."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> "FileIdentity":
        stat = path.stat()
        return cls(str(path.resolve()), stat.st_size, stat.st_mtime_ns)


def state_key(api: str, file: FileIdentity) -> str:
    return f"{api} {file.path} {file.size} {file.mtime_ns}"


class UploadStates:
    def __init__(self, directory: Path) -> None:
        self.path = directory / STATE_FILE

    def video_for(self, api: str, file: FileIdentity) -> int | None:
        entry = self._entries().get(state_key(api, file))
        return entry.get("video_id") if isinstance(entry, dict) else None

    def remember(self, api: str, file: FileIdentity, video_id: int) -> None:
        entries = self._entries()
        entries[state_key(api, file)] = {"api": api, "file": file.path, "size": file.size,
                                         "video_id": video_id, "started_at": int(time.time())}
        write_private_json(self.path, entries)

    def forget(self, api: str, file: FileIdentity) -> None:
        entries = self._entries()
        if entries.pop(state_key(api, file), None) is not None:
            write_private_json(self.path, entries)

    def forget_video(self, api: str, video_id: int) -> None:
        entries = self._entries()
        kept = {key: entry for key, entry in entries.items()
                if not (isinstance(entry, dict) and entry.get("api") == api and entry.get("video_id") == video_id)}
        if kept != entries:
            write_private_json(self.path, kept)

    def _entries(self) -> dict[str, Any]:
        try:
            data = read_json(self.path)
        except (OSError, ValueError):
            data = None  # only a shortcut to resume: a damaged file means starting over, not failing
        return data if isinstance(data, dict) else {}
