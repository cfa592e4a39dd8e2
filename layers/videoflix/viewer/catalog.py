"""Catalog use cases: the list of ready videos and playlists with signed segment URLs (S3 or CloudFront:
services.playback)."""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from videoflix.adapters.hash_cache import hash_put
from videoflix.adapters.redis_cache import read_cached, write_cached
from videoflix.domain.cache_keys import CATALOG_LIST, READY_VIDEOS, playlist_key, segment_names_key
from videoflix.domain.hls import (AV1_RUNG_NAMES, MASTER_PLAYLIST, RENDITION_NAMES, RUNG_PLAYLIST, is_valid_segment_name,
                                  map_uris, rewrite_master, rewrite_playlist, segment_names)
from videoflix.domain.media_layout import THUMBNAIL_URL_TTL, media_prefix
from videoflix.domain.ports import PlaybackUrls, Storage
from videoflix.errors import NotFound
from videoflix.services import Services
from videoflix.viewer.captions import CaptionServing

log = logging.getLogger("videoflix.catalog")


@dataclass(frozen=True)
class ReadyVideo:
    """What playback needs to know of a ready video."""

    id: int
    renditions: tuple[str, ...]
    version: str  # changes with each transcode, so cached playlists of an earlier one are never served
    duration: float
    published: bool = True  # an unpublished film plays for staff only (preview)


class Catalog:
    def __init__(self, services: Services, preview: bool = False) -> None:
        self.services = services
        self.preview = preview  # staff: unpublished films play too
        self.settings = services.settings
        self.storage: Storage = services.storage

    # -- list ----------------------------------------------------------------------------
    def list_videos(self, use_cache: bool = True) -> list[dict[str, Any]]:
        if use_cache:
            cached = read_cached(self.services.cache, CATALOG_LIST)
            if cached is not None:
                return json.loads(cached)
        from videoflix.viewer.catalog_rows import listed_videos  # the ORM: a cache miss only (issue 25)
        listing = listed_videos(self.services.db, lambda key: self.storage.presign_media(key, THUMBNAIL_URL_TTL))
        # Cached far shorter than the thumbnail URLs live, so a cached URL is always valid.
        write_cached(self.services.cache, CATALOG_LIST, json.dumps(listing), min(self.settings.catalog_cache_ttl, 3600),
                     self.settings.playlist_cache_bytes)
        return listing

    # -- playlists -----------------------------------------------------------------------
    def _ready_video(self, video_id: int) -> ReadyVideo:
        """From the cache when it can be: a cached playlist then costs no database round trip.

        To a viewer an unpublished film is not found, like an unknown id; staff preview it.
        """
        ready = self._playable_video(video_id)
        if not ready.published and not self.preview:
            raise NotFound("Video not found.")
        return ready

    def _playable_video(self, video_id: int) -> ReadyVideo:
        cached = self._cached_ready_video(video_id)
        if cached is not None:
            return cached
        from videoflix.viewer.catalog_rows import ready_video_row  # the ORM: a cache miss only (issue 25)
        row = ready_video_row(self.services.db, video_id)
        if row is None:
            raise NotFound("Video not found.")
        ready = ReadyVideo(*row)
        self._remember_ready_video(ready)
        return ready

    def ready_video(self, video_id: int) -> ReadyVideo:
        """A ready video's playback facts (duration included); NotFound unless it is ready."""
        return self._ready_video(video_id)

    def _cached_ready_video(self, video_id: int) -> ReadyVideo | None:
        try:
            raw = self.services.cache.hget(READY_VIDEOS, str(video_id))
        except Exception:
            log.warning("cache read failed for video %s; reading the database", video_id)
            return None
        if raw is None:
            return None
        entry = json.loads(raw)
        # Each entry carries its own expiry: the hash's TTL restarts with every write.
        if entry["expires"] < time.time() or "published" not in entry:  # an entry of before publishing: refilled
            return None
        return ReadyVideo(video_id, tuple(entry["renditions"]), entry["version"], entry["duration"],
                          bool(entry["published"]))

    def _remember_ready_video(self, video: ReadyVideo) -> None:
        # Every status change drops the whole hash (invalidate_catalog); the expiry only bounds
        # how long a fill that raced such a change can linger, as for the cached list.
        ttl = max(1, min(self.settings.catalog_cache_ttl, 3600))
        entry = json.dumps({"renditions": video.renditions, "version": video.version,
                            "duration": video.duration, "published": video.published,
                            "expires": time.time() + ttl})
        hash_put(self.services.cache, READY_VIDEOS, str(video.id), entry, ttl, self.settings.film_cache_bytes)

    def _rung(self, video: ReadyVideo, resolution: str) -> str:
        if resolution in AV1_RUNG_NAMES:  # served once the AV1 job uploaded it (its playlist says so)
            return resolution
        if resolution not in RENDITION_NAMES or resolution not in video.renditions:
            raise NotFound("This resolution is not available for the video.")
        return resolution

    def _url_ttl(self, video: ReadyVideo) -> int:
        """Segment URLs must outlive the film plus a margin (pauses, slow starts)."""
        return int(video.duration + self.settings.segment_url_margin)

    def rendition_playlist(self, video_id: int, resolution: str) -> str:
        video = self._ready_video(video_id)
        rung = self._rung(video, resolution)
        key = playlist_key(video.id, rung, video.version)
        cached = read_cached(self.services.cache, key)
        if cached is not None:
            return cached
        source = self.storage.read_media_text(f"{media_prefix(video.id)}{rung}/{RUNG_PLAYLIST}")
        if source is None:
            raise NotFound("This resolution is not available for the video.")
        urls, cache_ttl = self.media_urls(video)
        rewritten = rewrite_playlist(source, lambda name: urls.url(f"{rung}/{name}"))
        write_cached(self.services.cache, key, rewritten, cache_ttl, self.settings.playlist_cache_bytes)
        return rewritten

    def media_urls(self, video: ReadyVideo) -> tuple[PlaybackUrls, int]:
        """Signed URLs of the film's media under videos/<id>/ (services.playback: S3 or CloudFront), and
        how long a text holding them (a playlist, the storyboard VTT) may be cached."""
        now = time.time()
        urls = self.services.playback.urls_for(video.id, now + self._url_ttl(video))
        return urls, self._playlist_cache_ttl(urls.expires_at - now)

    def _playlist_cache_ttl(self, url_lifetime: float) -> int:
        """The cache must expire well before the URLs inside it do: within the margin, and within half
        their lifetime (shorter than the film's when S3 URLs are cut to the signing credentials)."""
        return max(1, min(self.settings.playlist_cache_ttl, self.settings.segment_url_margin // 2,
                          int(url_lifetime) // 2))

    def master_playlist(self, video_id: int, api_base: str) -> str:
        video = self._ready_video(video_id)
        source = self.storage.read_media_text(f"{media_prefix(video.id)}{MASTER_PLAYLIST}")
        if source is None:
            raise NotFound("Video not found.")
        base = api_base.rstrip("/")
        master = rewrite_master(source, lambda rung: f"{base}/api/video/{video.id}/{rung}/index.m3u8")
        return CaptionServing(self.services).master(master, video.id, base)  # the captions staff added, if any

    def subtitle_playlist(self, video_id: int, lang: str) -> str:
        video = self.ready_video(video_id)
        return CaptionServing(self.services).playlist(video.id, video.version, video.duration, lang,
                                                      lambda: self.media_urls(video))

    def segment_url(self, video_id: int, resolution: str, segment: str) -> str:
        if not is_valid_segment_name(segment):
            raise NotFound("Segment not found.")
        video = self._ready_video(video_id)
        rung = self._rung(video, resolution)
        names_key = segment_names_key(video.id, rung, video.version)
        cached = read_cached(self.services.cache, names_key)
        if cached is not None:
            names = set(json.loads(cached))
        else:
            source = self.storage.read_media_text(f"{media_prefix(video.id)}{rung}/{RUNG_PLAYLIST}")
            if source is None:  # not cached: an AV1 rendition's playlist comes once its job is done
                raise NotFound("Segment not found.")
            names = set(segment_names(source)) | set(map_uris(source))
            write_cached(self.services.cache, names_key, json.dumps(sorted(names)), self.settings.playlist_cache_ttl,
                         self.settings.playlist_cache_bytes)
        if segment not in names:
            raise NotFound("Segment not found.")
        urls, _ = self.media_urls(video)
        return urls.url(f"{rung}/{segment}")
