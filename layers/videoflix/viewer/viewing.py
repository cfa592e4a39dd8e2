"""Continue watching: where each viewer stopped in each film, and the films started but not finished.

Players report the position every few seconds. At most one report per viewer and film is written
to the database every `watch_progress_interval` seconds: the first report of a window is written at
once and opens the window (a Redis key that expires); the reports inside it answer 204 as well, and
the newest waits in Redis (one hash per viewer) until the next write, or until the viewer's
continue-watching row is read, which writes what waits first. Coalescing, not 429: a player never
has to slow down or retry. Without Redis every report is written.
"""
from __future__ import annotations

import json
import logging
import math
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from videoflix.db.models import Video, WatchProgress, utcnow
from videoflix.domain.video_json import catalog_video, iso
from videoflix.domain.video_states import VideoState
from videoflix.domain.media_layout import THUMBNAIL_URL_TTL  # the longest poster URL: retired posters outlive it
from videoflix.errors import FieldErrors, NotFound
from videoflix.services import Services
from videoflix.viewer.catalog import Catalog

log = logging.getLogger("videoflix.viewing")
STARTED_SECONDS = 5.0  # a film is "started" past this position
FINISHED_SHARE = 0.95  # and finished from this share of its duration on
CONTINUE_LIMIT = 50
PENDING_TTL = 30 * 24 * 3600


def window_key(user_id: int, video_id: int) -> str:
    return f"viewing:window:{user_id}:{video_id}"


def pending_key(user_id: int) -> str:
    """Hash: video id -> the newest position not written yet, with when it was reported."""
    return f"viewing:pending:{user_id}"


def parse_position(body: dict[str, Any]) -> float:
    value = body.get("position_seconds")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldErrors.single("position_seconds", "A number of seconds is required.")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise FieldErrors.single("position_seconds", "Must be a finite number of seconds, 0 or more.")
    return value


def is_in_progress(position: float, duration: float | None) -> bool:
    """Started, not finished: what the continue-watching row shows."""
    return bool(duration) and STARTED_SECONDS < position < FINISHED_SHARE * duration


class Viewing:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings
        self.cache = services.cache

    # -- reports ------------------------------------------------------------------------------
    def report_progress(self, user_id: int, video_id: int, body: dict[str, Any], preview: bool = False) -> None:
        """`preview`: staff, who play unpublished films too (a viewer gets 404 for those)."""
        position = parse_position(body)
        video = Catalog(self.services, preview=preview).ready_video(video_id)  # NotFound unless ready (and published)
        position = round(min(position, video.duration), 3)
        now = utcnow()
        if self._opens_window(user_id, video_id):
            self._write(user_id, video_id, position, now)
            self._forget_pending(user_id, video_id)
        elif not self._keep_pending(user_id, video_id, position, now):
            self._write(user_id, video_id, position, now)  # Redis failed between two calls: write through

    def _opens_window(self, user_id: int, video_id: int) -> bool:
        interval = self.settings.watch_progress_interval
        if interval <= 0:
            return True
        try:
            return bool(self.cache.set(window_key(user_id, video_id), "1", nx=True, ex=interval))
        except Exception:
            log.warning("cache unavailable; writing the position of video %s at once", video_id)
            return True

    def _keep_pending(self, user_id: int, video_id: int, position: float, at: datetime) -> bool:
        entry = json.dumps({"position": position, "at": at.timestamp()})
        try:
            pipe = self.cache.pipeline(transaction=False)
            pipe.hset(pending_key(user_id), str(video_id), entry)
            pipe.expire(pending_key(user_id), PENDING_TTL)
            pipe.execute()
            return True
        except Exception:
            return False

    def _forget_pending(self, user_id: int, video_id: int | str) -> None:
        try:
            self.cache.hdel(pending_key(user_id), str(video_id))
        except Exception:
            pass  # an older position: the write below compares times and skips it

    def _write(self, user_id: int, video_id: int, position: float, at: datetime) -> None:
        """Upsert the position, unless the stored one is newer."""
        try:
            with self.services.db.session() as session:
                insert = _insert_for(session.connection().dialect.name)
                statement = insert(WatchProgress).values(user_id=user_id, video_id=video_id,
                                                         position_seconds=position, updated_at=at)
                session.execute(statement.on_conflict_do_update(
                    index_elements=[WatchProgress.user_id, WatchProgress.video_id],
                    set_={"position_seconds": position, "updated_at": at},
                    where=WatchProgress.updated_at <= at))
        except IntegrityError:  # the film (or the account) was deleted meanwhile
            raise NotFound("Video not found.") from None

    def flush_pending(self, user_id: int) -> None:
        """Write the positions that wait in Redis for this viewer."""
        try:
            waiting = self.cache.hgetall(pending_key(user_id))
        except Exception:
            log.warning("cache unavailable; positions waiting there are read later")
            return
        for raw_id, raw_entry in (waiting or {}).items():
            try:
                video_id = int(raw_id)
                entry = json.loads(raw_entry)
                at = datetime.fromtimestamp(float(entry["at"]), tz=timezone.utc)
                self._write(user_id, video_id, float(entry["position"]), at)
            except NotFound:
                pass
            except (ValueError, KeyError, TypeError):
                log.warning("dropping an unreadable waiting position of user %s", user_id)
            self._forget_pending(user_id, raw_id)

    # -- the row --------------------------------------------------------------------------------
    def continue_watching(self, user_id: int) -> list[dict[str, Any]]:
        self.flush_pending(user_id)
        storage = self.services.storage
        with self.services.db.session() as session:
            rows = session.execute(
                select(WatchProgress, Video).join(Video, Video.id == WatchProgress.video_id)
                .where(WatchProgress.user_id == user_id, Video.status == VideoState.READY,
                       Video.published.is_(True),  # a film unpublished since leaves the row, as the catalog
                       Video.duration.is_not(None), WatchProgress.position_seconds > STARTED_SECONDS,
                       WatchProgress.position_seconds < Video.duration * FINISHED_SHARE)
                .order_by(WatchProgress.updated_at.desc(), WatchProgress.video_id.desc())
                .limit(CONTINUE_LIMIT)).all()
            return [{**catalog_video(video, lambda key: storage.presign_media(key, THUMBNAIL_URL_TTL)),
                     "position_seconds": progress.position_seconds, "duration_seconds": video.duration,
                     "updated_at": iso(progress.updated_at)}
                    for progress, video in rows]


def _insert_for(dialect: str) -> Any:
    # Imported per call: loading a dialect module at import time would cost every cold start.
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
