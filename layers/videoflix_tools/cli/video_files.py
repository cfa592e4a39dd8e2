"""Checks on a local file before any byte of it is offered to the API."""
from __future__ import annotations

import mimetypes
from pathlib import Path

from videoflix_tools.cli.errors import CommandFailed


def accepted_types() -> dict[str, str]:
    """Content type -> extension, exactly as the admin API accepts them."""
    # Imported here, not at the top: the admin service brings SQLAlchemy and the rest of the server
    # side (about a second and 20 MB), which every `videoflix` command would pay, not just `upload`.
    from videoflix.staff.videos import ACCEPTED_CONTENT_TYPES

    return ACCEPTED_CONTENT_TYPES


def guess_content_type(path: Path) -> str | None:
    # The API's own extensions first: the system's MIME table may lack some (.mkv on macOS).
    suffix = path.suffix.lower()
    for content_type, extension in accepted_types().items():
        if extension == suffix:
            return content_type
    return mimetypes.guess_type(path.name)[0]


def video_content_type(path: Path) -> str:
    """The content type to declare for `path`; a one-line error when it is not an uploadable video."""
    if not path.exists():
        raise CommandFailed(f"{path}: no such file")
    if not path.is_file():
        raise CommandFailed(f"{path} is not a file")
    content_type = guess_content_type(path)
    if content_type not in accepted_types():
        extensions = ", ".join(sorted(accepted_types().values()))
        raise CommandFailed(f"{path.name} does not look like a video ({content_type or 'unknown type'}); "
                            f"upload one of {extensions}")
    if path.stat().st_size == 0:
        raise CommandFailed(f"{path} is empty")
    return content_type
