"""Catalog use cases: the list of ready videos and playlists with presigned segment URLs."""
from __future__ import annotations

import json
import logging
from typing import Any

from sqlalchemy import select

from videoflix.db.models import Video, VideoStatus
from videoflix.errors import NotFound
from videoflix.services import Services
from videoflix.videos.cache_keys import CATALOG_LIST, playlist_key
from videoflix.videos.playlist import (RUNG_NAMES, is_valid_segment_name, rewrite_master,
                                       rewrite_playlist, segment_names)
from videoflix.videos.serialize import catalog_video
from videoflix.videos.storage import S3Storage, media_prefix

log = logging.getLogger("videoflix.catalog")
THUMBNAIL_URL_TTL = 6 * 3600


class Catalog:
    def __init__(self, services: Services, storage: S3Storage | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.storage = storage or S3Storage(services.settings)

    # -- cache helpers: Redis down means "no cache", never an error for viewers ----------
    def _cache_get(self, key: str) -> str | None:
        try:
            return self.services.redis.get(key)
        except Exception:
            log.warning("cache read failed for %s; serving uncached", key)
            return None

    def _cache_set(self, key: str, value: str, ttl: int) -> None:
        try:
            self.services.redis.set(key, value, ex=ttl)
        except Exception:
            log.warning("cache write failed for %s", key)

    # -- list ----------------------------------------------------------------------------
    def list_videos(self, use_cache: bool = True) -> list[dict[str, Any]]:
        if use_cache:
            cached = self._cache_get(CATALOG_LIST)
            if cached is not None:
                return json.loads(cached)
        with self.services.db.session() as session:
            videos = session.scalars(select(Video).where(Video.status == VideoStatus.READY)
                                     .order_by(Video.created_at.desc(), Video.id.desc())).all()
            listing = [catalog_video(v, lambda key: self.storage.presign_media(key, THUMBNAIL_URL_TTL))
                       for v in videos]
        # Cached far shorter than the thumbnail URLs live, so a cached URL is always valid.
        self._cache_set(CATALOG_LIST, json.dumps(listing), min(self.settings.catalog_cache_ttl, 3600))
        return listing

    # -- playlists -----------------------------------------------------------------------
    def _ready_video(self, video_id: int) -> Video:
        with self.services.db.session() as session:
            video = session.get(Video, video_id)
            if video is None or video.status != VideoStatus.READY:
                raise NotFound("Video not found.")
            session.expunge(video)
            return video

    def _rung(self, video: Video, resolution: str) -> str:
        if resolution not in RUNG_NAMES or resolution not in (video.renditions or []):
            raise NotFound("This resolution is not available for the video.")
        return resolution

    def _version(self, video: Video) -> str:
        return str(int(video.ready_at.timestamp())) if video.ready_at else "0"

    def _url_ttl(self, video: Video) -> int:
        """Segment URLs must outlive the film plus a margin (pauses, slow starts)."""
        return int((video.duration or 0) + self.settings.segment_url_margin)

    def rendition_playlist(self, video_id: int, resolution: str) -> str:
        video = self._ready_video(video_id)
        rung = self._rung(video, resolution)
        key = playlist_key(video.id, rung, self._version(video))
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        source = self.storage.read_media_text(f"{media_prefix(video.id)}{rung}/index.m3u8")
        if source is None:
            raise NotFound("This resolution is not available for the video.")
        ttl = self._url_ttl(video)
        prefix = f"{media_prefix(video.id)}{rung}/"
        rewritten = rewrite_playlist(source, lambda name: self.storage.presign_media(prefix + name, ttl))
        # The cache must expire well before the URLs inside it do.
        self._cache_set(key, rewritten, max(1, min(self.settings.playlist_cache_ttl,
                                                   self.settings.segment_url_margin // 2)))
        return rewritten

    def master_playlist(self, video_id: int, api_base: str) -> str:
        video = self._ready_video(video_id)
        source = self.storage.read_media_text(f"{media_prefix(video.id)}master.m3u8")
        if source is None:
            raise NotFound("Video not found.")
        base = api_base.rstrip("/")
        return rewrite_master(source, lambda rung: f"{base}/api/video/{video.id}/{rung}/index.m3u8")

    def segment_url(self, video_id: int, resolution: str, segment: str) -> str:
        if not is_valid_segment_name(segment):
            raise NotFound("Segment not found.")
        video = self._ready_video(video_id)
        rung = self._rung(video, resolution)
        names_key = playlist_key(video.id, rung, self._version(video)) + ":names"
        cached = self._cache_get(names_key)
        if cached is not None:
            names = set(json.loads(cached))
        else:
            source = self.storage.read_media_text(f"{media_prefix(video.id)}{rung}/index.m3u8") or ""
            names = set(segment_names(source))
            self._cache_set(names_key, json.dumps(sorted(names)), self.settings.playlist_cache_ttl)
        if segment not in names:
            raise NotFound("Segment not found.")
        return self.storage.presign_media(f"{media_prefix(video.id)}{rung}/{segment}", self._url_ttl(video))


