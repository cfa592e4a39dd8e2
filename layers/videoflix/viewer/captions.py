"""Caption tracks as viewers get them: the subtitles group of a master playlist, and each track's
playlist pointing at its WebVTT file (signed as the segments are). Staff add and remove tracks
(videoflix.staff.captions); the cached track lists are dropped after each change (videoflix.effects)."""
from __future__ import annotations

from typing import Any, Callable

from videoflix.adapters.hash_cache import hash_get, hash_set
from videoflix.adapters.redis_cache import read_cached, write_cached
from videoflix.domain.cache_keys import CAPTION_TRACKS, subtitle_playlist_key
from videoflix.domain.captions import normalize_lang
from videoflix.domain.hls import SubtitleTrack, add_subtitles, subtitle_playlist
from videoflix.domain.media_layout import caption_key, media_prefix
from videoflix.domain.ports import PlaybackUrls
from videoflix.errors import NotFound
from videoflix.services import Services

NO_TRACK = "The video has no captions in this language."


class CaptionServing:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    def _ttl(self) -> int:
        return max(1, min(self.settings.catalog_cache_ttl, 3600))

    def tracks(self, video_id: int) -> list[dict[str, Any]]:
        cached = hash_get(self.services.cache, CAPTION_TRACKS, str(video_id))
        if cached is not None:
            return cached
        from videoflix.viewer.caption_rows import caption_tracks  # the ORM: a cache miss only
        tracks = caption_tracks(self.services.db, video_id)
        hash_set(self.services.cache, CAPTION_TRACKS, str(video_id), tracks, self._ttl(),
                 self.services.settings.film_cache_bytes)
        return tracks

    def master(self, master: str, video_id: int, api_base: str) -> str:
        """`master` with the film's subtitles group added, if it has tracks."""
        base = api_base.rstrip("/")
        return add_subtitles(master, [
            SubtitleTrack(t["lang"], t["label"], t["default"],
                          f"{base}/api/video/{video_id}/subtitles/{t['lang']}/index.m3u8")
            for t in self.tracks(video_id)])

    def playlist(self, video_id: int, film_version: str, duration: float, raw_lang: str,
                 media_urls: Callable[[], tuple[PlaybackUrls, int]]) -> str:
        """One track's playlist; `media_urls` answers the film's signed URLs and how long a text holding
        them may be cached (videoflix.viewer.catalog.Catalog.media_urls)."""
        lang = normalize_lang(raw_lang)
        track = next((t for t in self.tracks(video_id) if t["lang"] == lang), None)
        if track is None:
            raise NotFound(NO_TRACK)
        key = subtitle_playlist_key(video_id, track["lang"], f"{film_version}-{track['version']}")
        cached = read_cached(self.services.cache, key)
        if cached is not None:
            return cached
        # Signed as the segments are (services.playback), relative to the film's prefix videos/<id>/.
        urls, cache_ttl = media_urls()
        # The track's file as its row names it now: each new text has its own name (media_layout).
        file_key = track.get("file") or caption_key(video_id, track["lang"])
        text = subtitle_playlist(duration, urls.url(file_key.removeprefix(media_prefix(video_id))))
        # As the rendition playlists: the cache expires well before the URL inside it does.
        write_cached(self.services.cache, key, text, cache_ttl, self.services.settings.playlist_cache_bytes)
        return text
