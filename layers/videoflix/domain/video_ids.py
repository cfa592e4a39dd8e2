"""Video ids as they arrive in request paths (both the catalog and the admin function read them)."""
from __future__ import annotations

from videoflix.errors import NotFound

MAX_VIDEO_ID = 2**31 - 1  # videos.id is a 32-bit INTEGER column


def parse_video_id(raw: str) -> int:
    """A path's video id; anything but a positive number that fits the id column is simply not found."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 12 or not 0 < int(raw) <= MAX_VIDEO_ID:
        raise NotFound("Video not found.")
    return int(raw)
