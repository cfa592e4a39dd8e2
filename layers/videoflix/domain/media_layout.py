"""Every key and file name of the upload and media buckets: the one map of what lies where.

Uploads live under uploads/<id>/ (the film's source, a poster picture staff upload); a film's
published media under videos/<id>/ (master.m3u8, a folder per rendition, thumbnail.jpg, the
storyboard, captions/). The HLS and storyboard file names are in videoflix.domain.hls and
videoflix.domain.storyboard, formats that also name their files.
"""
from __future__ import annotations

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/MP2T", ".jpg": "image/jpeg"}
# Segments and posters never change under a name; playlists may be rewritten on a re-transcode.
# `private`: the media is for signed-in viewers, so shared caches must not keep a copy.
CACHE_CONTROL = {".ts": "private, max-age=31536000, immutable", ".jpg": "private, max-age=86400",
                 ".m3u8": "no-cache"}

POSTER_FILE = "thumbnail.jpg"  # beside master.m3u8 under videos/<id>/
CAPTIONS_FOLDER = "captions/"


def media_prefix(video_id: int) -> str:
    return f"videos/{video_id}/"


def upload_prefix(video_id: int) -> str:
    return f"uploads/{video_id}/"


def poster_key(video_id: int) -> str:
    return f"{media_prefix(video_id)}{POSTER_FILE}"


def poster_upload_key(video_id: int) -> str:
    """Where the admin PUTs an image: beside the film, so deleting the video deletes it too."""
    return f"{upload_prefix(video_id)}poster/upload"


def captions_prefix(video_id: int) -> str:
    """Caption files of a film: beside its transcode output, never replaced or removed with it."""
    return f"{media_prefix(video_id)}{CAPTIONS_FOLDER}"


def caption_key(video_id: int, lang: str) -> str:
    return f"{captions_prefix(video_id)}{lang}.vtt"


def kept_with_output(prefix: str) -> tuple[str, ...]:
    """Under a film's media prefix, what cleaning its transcode output (a new attempt, a failure,
    the sweeper) leaves in place: the captions staff added. Deleting the film removes them too."""
    return (f"{prefix}{CAPTIONS_FOLDER}",)
