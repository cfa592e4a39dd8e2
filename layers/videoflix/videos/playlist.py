"""Pure HLS playlist handling: segment names, and rewriting URIs."""
from __future__ import annotations

import re
from typing import Callable

SEGMENT_NAME = re.compile(r"^[A-Za-z0-9_-]+\.ts$")
RUNG_NAMES = ("480p", "720p", "1080p")


def is_valid_segment_name(name: str) -> bool:
    return bool(SEGMENT_NAME.fullmatch(name))


def segment_names(playlist: str) -> list[str]:
    """The media segment URIs of a rendition playlist, in order."""
    return [line.strip() for line in playlist.splitlines()
            if line.strip() and not line.startswith("#")]


def rewrite_playlist(playlist: str, segment_url: Callable[[str], str]) -> str:
    """Replace every segment URI by `segment_url(uri)`; tags and comments are kept as they are."""
    out = []
    for line in playlist.splitlines():
        stripped = line.strip()
        out.append(segment_url(stripped) if stripped and not stripped.startswith("#") else line)
    return "\n".join(out) + "\n"


def rewrite_master(master: str, rendition_url: Callable[[str], str]) -> str:
    """Point each variant (`480p/index.m3u8`) at `rendition_url("480p")`."""
    def replace(uri: str) -> str:
        return rendition_url(uri.split("/", 1)[0])
    return rewrite_playlist(master, replace)


def master_variants(master: str) -> list[str]:
    return [uri.split("/", 1)[0] for uri in segment_names(master)]
