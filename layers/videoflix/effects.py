"""What follows a committed change, performed in one place (docs/architecture.md, "after-effects").

Use cases record what they changed (videoflix.domain.changes) in their transaction; once it
commits, `perform_changes` deletes the objects the change left unused (a deleted film's media
and upload, a published poster's upload), drops the cached catalog pages, forgets a film's cached
caption tracks and a changed account's cached login state, and announces a settled film (Video
Ready / Video Failed on the event bus, counted). None of it ever raises into the use case: a Redis, S3 or EventBridge outage is logged,
the change itself stands (the sweeper deletes files left behind).
"""
from __future__ import annotations

import logging
from typing import Any, Iterable, Protocol, Sequence

from videoflix.adapters.hash_cache import hash_forget
from videoflix.db.database import Database
from videoflix.domain.cache_keys import (CAPTION_TRACKS, CATALOG_CATEGORIES, CATALOG_LIST, CATALOG_QUERIES,
                                        LOGIN_GENERATION_TTL, READY_VIDEOS, login_generation_key, login_state_key)
from videoflix.domain.changes import (AccountChanged, CaptionsChanged, CatalogChanged, Change, FilesDiscarded,
                                     UploadAbandoned, VideoSettled)
from videoflix.domain.ports import EventPublisher, Storage
from videoflix.domain.video_events import VIDEO_READY, video_event
from videoflix.observability import metrics

log = logging.getLogger("videoflix.cache")  # the invalidation's records keep the cache's logger
storage_log = logging.getLogger("videoflix.storage")
events_log = logging.getLogger("videoflix.events")
auth_log = logging.getLogger("videoflix.auth")


class EffectPorts(Protocol):
    """What the after-effects reach (videoflix.services.Services has them, built lazily)."""

    db: Database
    cache: Any
    events: EventPublisher
    storage: Storage


def install_effects(ports: EffectPorts) -> None:
    """From now on, changes committed through `ports.db` are acted on with `ports`' cache and events."""
    ports.db.after_commit = lambda changes: perform_changes(ports, changes)


def perform_changes(ports: EffectPorts, changes: Sequence[Change]) -> None:
    accounts = [c.user_id for c in changes if isinstance(c, AccountChanged)]
    if accounts:  # first: a login check must not take the old state a moment longer than needed
        forget_login_states(ports.cache, dict.fromkeys(accounts))
    discard_files(ports, changes)
    if any(isinstance(change, CatalogChanged) for change in changes):
        invalidate_catalog(ports.cache)
    for video_id in dict.fromkeys(c.video_id for c in changes if isinstance(c, CaptionsChanged)):
        hash_forget(ports.cache, CAPTION_TRACKS, str(video_id))
    for settled in dict.fromkeys(c for c in changes if isinstance(c, VideoSettled)):
        announce(ports, settled.video_id, settled.stage)


def discard_files(ports: EffectPorts, changes: Sequence[Change]) -> None:
    """Abort abandoned uploads, then delete discarded files; a failure is logged and left to the sweeper."""
    for abandoned in dict.fromkeys(c for c in changes if isinstance(c, UploadAbandoned)):
        try:
            ports.storage.abort_multipart_upload(abandoned.key, abandoned.upload_id)
        except Exception:  # S3's lifecycle rule aborts it after two days
            storage_log.warning("could not abort the upload of %s", abandoned.key, exc_info=True)
    for discarded in dict.fromkeys(c for c in changes if isinstance(c, FilesDiscarded)):
        try:
            ports.storage.delete_prefix(discarded.bucket, discarded.prefix)
        except Exception:
            storage_log.warning("could not delete s3://%s/%s; the sweeper will", discarded.bucket, discarded.prefix,
                                exc_info=True)


def invalidate_catalog(redis: Any) -> None:
    """Forget the cached catalog; a Redis outage only means the cache expires on its own."""
    try:
        redis.delete(CATALOG_LIST, READY_VIDEOS, CATALOG_QUERIES, CATALOG_CATEGORIES, CAPTION_TRACKS)
    except Exception:  # the cache is an optimisation; never fail a status change because of it
        log.warning("could not invalidate the catalog cache", exc_info=True)


def forget_login_states(redis: Any, user_ids: Iterable[int]) -> None:
    """After a commit that changed these accounts: their cached login states are never taken again.

    The generation goes up (an entry a racing request fills from the database it read before the
    commit carries the old one, videoflix.auth.login_state) and the entry goes. Redis down: logged;
    its login checks fail closed meanwhile, and an entry it kept expires within LOGIN_STATE_TTL
    (a minute): the longest a change can go unseen, and only when this writer alone lost Redis.
    """
    try:
        pipe = redis.pipeline(transaction=False)
        for user_id in user_ids:
            pipe.incr(login_generation_key(user_id))
            pipe.expire(login_generation_key(user_id), LOGIN_GENERATION_TTL)
            pipe.delete(login_state_key(user_id))
        pipe.execute()
    except Exception:
        auth_log.error("could not drop the cached login state of users %s", list(user_ids), exc_info=True)


def announce(ports: EffectPorts, video_id: int, stage: str) -> None:
    """After a committed publish or fail of `video_id`: count it and publish its event (never raises)."""
    try:
        with ports.db.session() as session:
            from videoflix.db.models import Video  # the ORM: only a pipeline function settles a film
            video = session.get(Video, video_id)
            event = video_event(video) if video is not None and video.status in ("ready", "failed") else None
        if event is None:
            return
        if event.detail_type == VIDEO_READY:
            metrics.emit(metrics.VIDEOS_READY, 1, Path=stage)
        else:
            metrics.emit(metrics.VIDEOS_FAILED, 1, Stage=stage)
        ports.events.publish(event)
    except Exception:
        events_log.exception("could not publish the event of video %s; the video itself is unaffected", video_id)
