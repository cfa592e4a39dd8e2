"""Redis keys of the catalog caches (dropped by videoflix.effects when the catalog changes), and of the
login check's account state (dropped by videoflix.effects when the account changes)."""
from __future__ import annotations

CATALOG_LIST = "catalog:videos"
# Hash: video id -> what playback needs of a ready video (see Catalog._ready_video).
READY_VIDEOS = "catalog:ready"
# Hash: normalized query (category, q, page, page_size) -> its answer, each with its own expiry.
CATALOG_QUERIES = "catalog:queries"
CATALOG_CATEGORIES = "catalog:categories"
# Hash: video id -> its caption tracks (lang, label, default, version), for the master playlist.
CAPTION_TRACKS = "catalog:captions"
# Bytes the text caches (playlists, subtitles, storyboards, the list) wrote, per five-minute bucket:
# `cache:bytes:<unix time // 300>` (videoflix.adapters.redis_cache.write_cached).
TEXT_CACHE_LEDGER = "cache:bytes:"
# The hash caches count their bytes in this field of the hash itself (videoflix.adapters.hash_cache).
HASH_BYTES_FIELD = "~bytes"


def playlist_key(video_id: int, rung: str, version: str) -> str:
    return f"catalog:playlist:{video_id}:{rung}:{version}"


def segment_names_key(video_id: int, rung: str, version: str) -> str:
    """The segment names a rendition's playlist lists (the segment route checks a name against them)."""
    return f"{playlist_key(video_id, rung, version)}:names"


def subtitle_playlist_key(video_id: int, lang: str, version: str) -> str:
    """A caption's subtitle playlist; `version` changes with the film's transcode and the caption file."""
    return f"catalog:subtitles:{video_id}:{lang}:{version}"


def storyboard_key(video_id: int, version: str) -> str:
    """A film's storyboard VTT (presigned sprite URL inside); "" when it has none."""
    return f"catalog:storyboard:{video_id}:{version}"


# The login check's state of an account (videoflix.auth.login_state): what authenticate needs of the
# users row, read in the same MGET as the token family's revocation. Filled from the database on a miss,
# valid only while it carries the account's current generation; videoflix.effects bumps the generation
# (and drops the entry) after any commit that changes the account (domain.changes.AccountChanged).
LOGIN_STATE_TTL = 60  # also bounds an entry a writer cut off from Redis could not drop (effects logs it)
# A generation outlives every entry filled under it by far: a fill that read the old generation before
# a change committed can never meet that generation again (a request lasts at most 15 minutes).
LOGIN_GENERATION_TTL = LOGIN_STATE_TTL + 3600


def login_state_key(user_id: int) -> str:
    return f"auth:user:{user_id}"


def login_generation_key(user_id: int) -> str:
    return f"auth:user:{user_id}:gen"
