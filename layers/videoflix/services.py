"""Dependencies built once per process (lazily), shared by handlers; tests swap them.

`Services` holds the settings, the database and the ports (videoflix.domain.ports). Each port's
adapter is built on first use, not with `Services`: an API function's cold start pays only
for what its request touches. Tests pass twins instead (videoflix_tools.testing.memory), or
assign one to the attribute.
"""
from __future__ import annotations

import functools
from typing import Any

from videoflix.adapters.eventbridge import EventBridgePublisher
from videoflix.adapters.mail.ses import SesMailSender
from videoflix.adapters.playback import playback_for
from videoflix.adapters.redis_cache import connect_redis
from videoflix.adapters.s3_storage import S3Storage
from videoflix.adapters.sqs import SqsAv1Queue, SqsChunkQueue, SqsQueue, SqsQueueAdmin, SqsTranscodeQueue
from videoflix.db.database import Database
from videoflix.domain.ports import (Av1Queue, Cache, ChunkQueue, EventPublisher, MailOutbox, MailSender, MessageQueue, Playback,
                                    QueueAdmin, Storage, TranscodeQueue)
from videoflix.effects import install_effects
from videoflix.settings import Settings, load_settings


class Services:
    def __init__(self, settings: Settings, db: Database, *, storage: Storage | None = None,
                 transcode_queue: TranscodeQueue | None = None, chunk_queue: ChunkQueue | None = None,
                 outbox: MailOutbox | None = None, mailer: MailSender | None = None,
                 cache: Cache | None = None, events: EventPublisher | None = None,
                 playback_queue: MessageQueue | None = None, av1_queue: Av1Queue | None = None) -> None:
        self.settings = settings
        self.db = db
        given = dict(storage=storage, transcode_queue=transcode_queue, chunk_queue=chunk_queue,
                     outbox=outbox, mailer=mailer, cache=cache, events=events, playback_queue=playback_queue,
                     av1_queue=av1_queue)
        # A given port shadows its lazy builder below (cached_property reads the instance first).
        self.__dict__.update({name: port for name, port in given.items() if port is not None})
        # What follows a committed change (cache invalidation, Video Ready/Failed) uses these ports.
        install_effects(self)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Services":
        return cls(settings=settings, db=Database.from_url(settings.database_url))

    @functools.cached_property
    def storage(self) -> Storage:
        return S3Storage(self.settings)

    @functools.cached_property
    def transcode_queue(self) -> TranscodeQueue:
        return SqsTranscodeQueue(self.settings)

    @functools.cached_property
    def chunk_queue(self) -> ChunkQueue:
        return SqsChunkQueue(self.settings)

    @functools.cached_property
    def av1_queue(self) -> Av1Queue:
        """Ready films' AV1 jobs and AV1 chunk jobs, on a queue of their own (fewer chunk workers at once)."""
        return SqsAv1Queue(self.settings)

    @functools.cached_property
    def playback_queue(self) -> MessageQueue:
        """Players' playback-event batches, on their way to the insights aggregator."""
        return SqsQueue(self.settings, self.settings.playback_queue_name)

    @functools.cached_property
    def queue_admin(self) -> QueueAdmin:
        """The staff console's view of the queues (depths, dead letters, redrive)."""
        return SqsQueueAdmin(self.settings)

    @functools.cached_property
    def outbox(self) -> MailOutbox:
        # The transactional outbox writes through the ORM: only registration and resets load it.
        from videoflix.adapters.mail.outbox import SqsMailOutbox
        return SqsMailOutbox(self.settings)

    @functools.cached_property
    def mailer(self) -> MailSender:
        return SesMailSender(self.settings)

    @functools.cached_property
    def cache(self) -> Cache:
        return connect_redis(self.settings.redis_url)

    @functools.cached_property
    def events(self) -> EventPublisher:
        return EventBridgePublisher(self.settings)

    @functools.cached_property
    def playback(self) -> Playback:
        """Signs viewers' media URLs: S3 presigning or CloudFront (PLAYBACK_SIGNER)."""
        return playback_for(self.settings, self.storage)

    # The cache's former name, kept for the many callers (and tests) that swap it: the same object.
    @property
    def redis(self) -> Any:
        return self.cache

    @redis.setter
    def redis(self, value: Any) -> None:
        self.__dict__["cache"] = value


_current: Services | None = None


def get_services() -> Services:
    global _current
    if _current is None:
        _current = Services.from_settings(load_settings())
    return _current


def built_services() -> Services | None:
    """The services this process has built so far, if any (without building them)."""
    return _current


def get_settings() -> Settings:
    return get_services().settings


def use_services(services: Services | None) -> None:
    """Install `services` for this process (tests, the dev stack); None resets to lazy loading."""
    global _current
    _current = services
