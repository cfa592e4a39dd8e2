"""Every key and file name of the upload and media buckets: the one map of what lies where.

Uploads live under uploads/<id>/ (the film's source, a poster picture staff upload); a film's
published media under videos/<id>/ (master.m3u8, a folder per rendition, thumbnail.jpg, the
storyboard, captions/, posters/). The HLS and storyboard file names are in videoflix.domain.hls
and videoflix.domain.storyboard, formats that also name their files.

No media key is ever written twice with different bytes. A CDN keeps what it fetched for a day
or more whatever the object's headers say, so an object that can change after its film is ready
gets a new name each time it changes: a caption track (`captions/<lang>.<digest>.vtt`) and a
poster staff chose (`posters/<digest>.jpg`), the digest being that of the bytes. The transcode's
own output (playlists, segments, thumbnail.jpg, the storyboard) is written only before the film is
ready, before any URL of it is handed out (`ready` is final: no transition leaves it); a new
attempt of a failed film writes after its predecessor's output was deleted, and no URL of that
one was handed out either. The object a new name replaces is retired: the sweeper deletes it once
every URL that may still name it has expired (`retired_kept_seconds`).
"""
from __future__ import annotations

import hashlib

CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/MP2T", ".jpg": "image/jpeg",
                 ".m4s": "video/iso.segment", ".mp4": "video/mp4"}  # the AV1 ladder's fMP4 segments and init
# Segments and posters never change under a name; playlists are written once, before the film is ready.
# `private`: the media is for signed-in viewers, so shared caches must not keep a copy.
CACHE_CONTROL = {".ts": "private, max-age=31536000, immutable", ".jpg": "private, max-age=86400",
                 ".m3u8": "no-cache", ".m4s": "private, max-age=31536000, immutable",
                 ".mp4": "private, max-age=31536000, immutable"}

POSTER_FILE = "thumbnail.jpg"  # beside master.m3u8 under videos/<id>/: the transcode's own poster
CAPTIONS_FOLDER = "captions/"
POSTERS_FOLDER = "posters/"  # the posters staff chose (a frame, an uploaded image), one name per picture
DIGEST_LENGTH = 16  # hex characters of SHA-256: 64 bits, no two versions of one film's file collide

# The longest-lived URL of a film's media object handed out: the catalog's thumbnail URLs (viewer.catalog).
# Playlist and subtitle URLs live the film's duration plus SEGMENT_URL_MARGIN (settings).
THUMBNAIL_URL_TTL = 6 * 3600
# A fill of a cache that raced the change may still hand out a URL signed just before it: kept this much longer.
RETIRED_MARGIN = 3600


def media_prefix(video_id: int) -> str:
    return f"videos/{video_id}/"


def upload_prefix(video_id: int) -> str:
    return f"uploads/{video_id}/"


def content_digest(data: bytes) -> str:
    """The name part of a file that may change: the same bytes, the same name; other bytes, another."""
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]


def poster_key(video_id: int) -> str:
    """The transcode's poster, written with its output before the film is ready."""
    return f"{media_prefix(video_id)}{POSTER_FILE}"


def posters_prefix(video_id: int) -> str:
    return f"{media_prefix(video_id)}{POSTERS_FOLDER}"


def chosen_poster_key(video_id: int, digest: str) -> str:
    """A poster staff chose (a frame of the film or an uploaded image), named by its bytes' digest."""
    return f"{posters_prefix(video_id)}{digest}.jpg"


def poster_upload_key(video_id: int) -> str:
    """Where the admin PUTs an image: beside the film, so deleting the video deletes it too."""
    return f"{upload_prefix(video_id)}poster/upload"


def captions_prefix(video_id: int) -> str:
    """Caption files of a film: beside its transcode output, never replaced or removed with it."""
    return f"{media_prefix(video_id)}{CAPTIONS_FOLDER}"


def caption_key(video_id: int, lang: str, digest: str | None = None) -> str:
    """A caption track's file, named by its text's digest; without one, the name tracks added before
    names carried a digest still have (`<lang>.vtt`, until they are replaced)."""
    name = f"{lang}.{digest}.vtt" if digest else f"{lang}.vtt"
    return f"{captions_prefix(video_id)}{name}"


def kept_with_output(prefix: str) -> tuple[str, ...]:
    """Under a film's media prefix, what cleaning its transcode output (a new attempt, a failure,
    the sweeper) leaves in place: the captions and posters staff added. Deleting the film removes them too."""
    return (f"{prefix}{CAPTIONS_FOLDER}", f"{prefix}{POSTERS_FOLDER}")


def versioned_folders(video_id: int) -> tuple[str, ...]:
    """The folders whose files get a new name on each change: what is in them and named by no row
    (nor retired and still reachable) is a leftover of a change that did not commit."""
    return (captions_prefix(video_id), posters_prefix(video_id))


def retired_kept_seconds(max_video_duration: int, segment_url_margin: int) -> int:
    """How long a retired object stays: past the longest URL that may name it (a subtitle playlist's
    live the longest film plus the margin; the catalog's thumbnails THUMBNAIL_URL_TTL), plus RETIRED_MARGIN."""
    return max(max_video_duration + segment_url_margin, THUMBNAIL_URL_TTL) + RETIRED_MARGIN
