"""Playback reports: the player's batches of events, checked and handed to the insights queue.

Nothing is written here: the batch goes to the playback queue as it is (with who sent it as a
keyed hash and when it arrived), and the aggregator folds it into the rollups
(videoflix.pipeline.insights). With PLAYBACK_INSIGHTS=false nothing is read or kept.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from videoflix.adapters.redis_cache import redis_errors
from videoflix.auth.throttle import Limit, Throttle
from videoflix.domain.playback_events import parse_batch, to_message
from videoflix.services import Services
from videoflix.viewer.catalog import Catalog

MINUTE = 60


def viewer_key(secret_key: str, user_id: int) -> str:
    """A stable pseudonym of the account for counting unique viewers: not its id, not reversible without the key."""
    return hmac.new(secret_key.encode(), f"playback-viewer:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


class PlaybackReports:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    @property
    def enabled(self) -> bool:
        return self.settings.playback_insights

    def accept(self, user_id: int, body: Any, preview: bool = False) -> None:
        """Queue the batch: FieldErrors for a bad one, TooManyRequests past the viewer's rate,
        NotFound for a film the viewer cannot play (`preview`: staff, who play drafts too)."""
        batch = parse_batch(body)
        limit = Limit("playback:user", self.settings.playback_batches_per_minute, MINUTE)
        Throttle(self.services.cache, redis_errors).consume([(limit, str(user_id))])
        Catalog(self.services, preview=preview).ready_video(batch.video_id)
        self.services.playback_queue.send(to_message(batch, viewer_key(self.settings.secret_key, user_id), time.time()))
