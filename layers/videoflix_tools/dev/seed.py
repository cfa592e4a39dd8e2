"""A sample film for an empty catalog, so a new `make dev` user has something to watch.

The film is made like any other: a staff upload through presigned multipart URLs, then S3's
event, the transcode queue and the transcoder. Only the clip is synthetic (FFmpeg's test
sources, 1080p with a tone), so nothing is downloaded.
"""
from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

from sqlalchemy import func, select

from videoflix.db.models import Video
from videoflix.services import Services
from videoflix.staff.videos import VideoAdmin
from videoflix_tools.clips import generate_test_clip
from videoflix_tools.testing.multipart import put_parts

log = logging.getLogger("videoflix_tools.dev.seed")

DEFAULT_SECONDS = 20.0
SAMPLE_FILM = {
    "title": "Test Pattern",
    "description": "A sample film generated with FFmpeg's test sources by `make dev`: 1080p with a 440 Hz "
                   "tone, transcoded to the 480p/720p/1080p ladder like every upload.",
    "category": "Samples",
}


def catalog_is_empty(services: Services) -> bool:
    """No video at all, in any state: a film being uploaded or transcoded counts too."""
    with services.db.session() as session:
        return not session.scalar(select(func.count()).select_from(Video))


def seed_sample_film(services: Services, seconds: float = DEFAULT_SECONDS) -> int | None:
    """Upload the sample film if the catalog is empty; returns its video id (None: skipped)."""
    if not catalog_is_empty(services):
        return None
    admin = VideoAdmin(services)
    with tempfile.TemporaryDirectory(prefix="videoflix-seed-") as folder:
        clip = Path(folder) / "videoflix-test-pattern.mp4"
        generate_test_clip(str(clip), seconds=seconds, width=1920, height=1080, audio=True)
        created = admin.create({**SAMPLE_FILM, "filename": clip.name, "size": clip.stat().st_size,
                                "content_type": "video/mp4"})
        video_id = created["video"]["id"]
        parts = put_parts(created["upload"], clip)
    admin.complete(video_id, {"parts": parts})
    return video_id


def start_seeding(services: Services, seconds: float = DEFAULT_SECONDS) -> threading.Thread:
    """Seed in the background: the API answers at once, the film appears when transcoded."""
    def run() -> None:
        try:
            video_id = seed_sample_film(services, seconds)
        except Exception:
            # A missing film is an inconvenience, not a reason to stop the stack.
            log.exception("could not add the sample film; upload one with `videoflix upload`")
            return
        if video_id is None:
            log.info("the catalog has videos; no sample film added")
        else:
            log.info("sample film uploaded as video %s (%.0f s, 1080p); it is listed once transcoded",
                     video_id, seconds)

    thread = threading.Thread(target=run, daemon=True, name="seed-sample-film")
    thread.start()
    return thread
