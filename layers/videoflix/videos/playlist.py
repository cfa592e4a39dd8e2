"""Pure HLS playlist handling: segment names, and rewriting URIs."""
from __future__ import annotations

import re
from typing import Callable

from videoflix.pipeline.hls import AUDIO_RENDITION

SEGMENT_NAME = re.compile(r"^[A-Za-z0-9_-]+\.ts$")
RUNG_NAMES = ("480p", "720p", "1080p")
# What the catalog serves: the rungs, and the separate audio of a fanned-out film.
RENDITION_NAMES = (*RUNG_NAMES, AUDIO_RENDITION)
_MEDIA_URI = re.compile(r'(URI=")([^"]*)(")')


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
    """Point each variant (`480p/index.m3u8`) at `rendition_url("480p")`, and each alternative
    rendition (`#EXT-X-MEDIA:...,URI="audio/index.m3u8"`) at `rendition_url("audio")`."""
    def replace(uri: str) -> str:
        return rendition_url(uri.split("/", 1)[0])

    def media_uri(match: re.Match) -> str:
        return match.group(1) + replace(match.group(2)) + match.group(3)

    lines = [_MEDIA_URI.sub(media_uri, line) if line.startswith("#EXT-X-MEDIA:") else line
             for line in master.splitlines()]
    return rewrite_playlist("\n".join(lines), replace)


def master_variants(master: str) -> list[str]:
    return [uri.split("/", 1)[0] for uri in segment_names(master)]
