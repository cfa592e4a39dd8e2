"""The storyboard VTT of a ready film: its seek-preview cues, each naming a tile of the sprite, signed as
the segments are (services.playback: a presigned S3 URL or a CloudFront signed one)."""
from __future__ import annotations

import logging

from videoflix.adapters.redis_cache import read_cached, write_cached
from videoflix.domain.cache_keys import storyboard_key
from videoflix.domain.media_layout import media_prefix
from videoflix.domain.ports import PlaybackUrls
from videoflix.domain.storyboard import STORYBOARD_FILE, STORYBOARD_META, parse_layout, storyboard_vtt
from videoflix.errors import NotFound
from videoflix.viewer.catalog import Catalog

log = logging.getLogger("videoflix.catalog")
NO_STORYBOARD = "This video has no storyboard."


def storyboard_vtt_of(catalog: Catalog, video_id: int) -> str:
    """The VTT, cached like a rendition playlist (and "none" too); NotFound for a film that is not
    ready or has no storyboard (one whose storyboard could not be made is published without it)."""
    video = catalog.ready_video(video_id)
    key = storyboard_key(video.id, video.version)
    cached = read_cached(catalog.services.cache, key)
    if cached is None:
        urls, cache_ttl = catalog.media_urls(video)
        cached = _build(catalog, video.id, video.duration, urls)
        # Expires well before the sprite URL inside it does.
        write_cached(catalog.services.cache, key, cached, cache_ttl, catalog.settings.playlist_cache_bytes)
    if not cached:
        raise NotFound(NO_STORYBOARD)
    return cached


def _build(catalog: Catalog, video_id: int, duration: float, urls: PlaybackUrls) -> str:
    prefix = media_prefix(video_id)
    stored = catalog.storage.read_media_text(prefix + STORYBOARD_META)
    if stored is None:
        return ""
    layout = parse_layout(stored)
    if layout is None:
        log.warning("video %s: unreadable %s; answered as none", video_id, STORYBOARD_META)
        return ""
    return storyboard_vtt(layout, duration, urls.url(STORYBOARD_FILE))
