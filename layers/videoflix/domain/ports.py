"""The ports: what the use cases need of S3, SQS, SES and Redis, as `Services` holds them.

Each port has one AWS (or Redis) adapter, built lazily by `Services` on first use, and an
in-memory twin for tests (videoflix_tools.testing.memory). Use cases see only these shapes,
so the orchestration around them is tested without moto, FFmpeg or a network.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, Sequence

from videoflix.domain.chunk_messages import ChunkMessage
from videoflix.domain.email_message import Email
from videoflix.domain.video_events import DomainEvent


@dataclass(frozen=True)
class UploadedPart:
    part_number: int
    etag: str
    size: int


class ObjectMissing(Exception):
    """The object is not (or no longer) in the bucket."""


class Transaction(Protocol):
    """An open database transaction (a SQLAlchemy Session): what the outbox writes its row into."""

    def add(self, instance: Any) -> None: ...


class Transactions(Protocol):
    """Opens transactions (videoflix.db.session.Database)."""

    def session(self) -> Any: ...


class Storage(Protocol):
    """The upload and media buckets (adapter: videoflix.adapters.s3_storage.S3Storage)."""

    def start_multipart_upload(self, key: str, content_type: str) -> str: ...
    def presign_part(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str: ...
    def presign_upload_put(self, key: str, content_type: str, size: int, expires_in: int) -> str: ...
    def uploaded_parts(self, key: str, upload_id: str) -> list[UploadedPart]: ...
    def complete_multipart_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None: ...
    def abort_multipart_upload(self, key: str, upload_id: str) -> None: ...
    def size_of(self, bucket: str, key: str) -> int: ...
    def download(self, bucket: str, key: str, destination: Path) -> None: ...
    def read_head(self, bucket: str, key: str, size: int) -> bytes: ...
    def upload_media_file(self, path: Path, key: str) -> None: ...
    def put_media_text(self, key: str, text: str, content_type: str) -> None: ...
    def read_media_text(self, key: str) -> str | None: ...
    def presign_media(self, key: str, expires_in: int) -> str: ...
    def presign_lifetime(self, expires_in: int) -> int:
        """How long a presigned media URL asked for `expires_in` seconds lives: no longer than the
        credentials that sign it (S3Storage), else `expires_in`."""
    def presign_internal_read(self, bucket: str, key: str, expires_in: int) -> str: ...
    def delete_prefix(self, bucket: str, prefix: str, older_than: datetime | None = None,
                      keep: tuple[str, ...] = ()) -> int: ...
    def child_prefixes(self, bucket: str, prefix: str) -> list[str]: ...


class PlaybackUrls(Protocol):
    """A film's media URLs for one window: `url("480p/segment_00001.ts")`, all valid until `expires_at`."""

    expires_at: float

    def url(self, relative: str) -> str: ...


class Playback(Protocol):
    """Signs viewers' media URLs (adapters: videoflix.adapters.playback, S3 presigning or CloudFront)."""

    def urls_for(self, video_id: int, valid_until: float) -> PlaybackUrls:
        """URLs of the film's objects, valid until `valid_until` (epoch seconds) or as close as the signer can."""


class TranscodeQueue(Protocol):
    """Asks the transcoder for a film again (adapter: videoflix.adapters.sqs.SqsTranscodeQueue)."""

    def request(self, source_key: str, size: int | None, cause: str) -> None:
        """Queue a transcode of the upload at `source_key`; `cause` names who asks (Retry, Requeue)."""

    def request_poster(self, video_id: int, at_seconds: float) -> None:
        """Queue a poster job: the frame at `at_seconds` becomes the film's thumbnail (videoflix.pipeline.poster)."""


class ChunkQueue(Protocol):
    """The fan-out's job messages (adapter: videoflix.adapters.sqs.SqsChunkQueue)."""

    def send(self, messages: Sequence[ChunkMessage]) -> None: ...


class Av1Queue(Protocol):
    """Ready films' AV1 work (adapter: videoflix.adapters.sqs.SqsAv1Queue): a queue of its own, consumed by the
    chunk workers with fewer instances at once, so it never holds back new uploads' transcodes or H.264 chunks."""

    def request_av1(self, video_id: int) -> None:
        """Queue a ready film's AV1 ladder as one job (videoflix.pipeline.av1)."""

    def send_av1_chunks(self, video_id: int, chunks: Sequence[int]) -> None:
        """Queue chunk jobs of a long film's AV1 ladder (videoflix.pipeline.av1_chunk_worker)."""


class QueueAdmin(Protocol):
    """What staff see and do of the queues: depths, dead letters, a redrive
    (adapter: videoflix.adapters.sqs.SqsQueueAdmin)."""

    def url(self, queue_name: str) -> str: ...
    def attributes(self, url: str, *names: str) -> dict[str, str]: ...
    def receive(self, url: str, count: int, visibility_timeout: int) -> list[dict[str, Any]]: ...
    def move(self, message: dict[str, Any], from_url: str, to_url: str) -> None:
        """Send the received `message` to `to_url`, then delete it from `from_url`."""


class MessageQueue(Protocol):
    """A queue of plain message bodies: what the mail outbox relays to (adapter: videoflix.adapters.sqs.SqsQueue)."""

    def send(self, body: str) -> None: ...


class MailOutbox(Protocol):
    """The transactional mail outbox (videoflix.adapters.mail.outbox.TransactionalOutbox)."""

    def enqueue(self, session: Transaction, template: str, context: dict[str, Any]) -> str: ...
    def resend_unsent(self, db: Transactions, now: datetime | None = None) -> int: ...
    def prune_sent(self, db: Transactions, now: datetime | None = None) -> int: ...


class MailSender(Protocol):
    """Sends one rendered email, returning the provider's message id (adapter: videoflix.adapters.mail.ses.SesMailSender)."""

    def send(self, email: Email) -> str: ...


class Cache(Protocol):
    """The part of redis-py the caches use (adapter: videoflix.adapters.redis_cache.connect_redis; twin: fakeredis)."""

    def get(self, key: str) -> Any: ...
    def mget(self, keys: list[str]) -> list[Any]: ...
    def set(self, key: str, value: Any, ex: int | None = None, nx: bool = False) -> Any: ...
    def delete(self, *keys: str) -> int: ...
    def hget(self, name: str, key: str) -> Any: ...
    def hgetall(self, name: str) -> dict[str, Any]: ...
    def hdel(self, name: str, *keys: str) -> int: ...
    def pipeline(self, transaction: bool = True) -> Any: ...
    def ping(self) -> Any: ...


class EventPublisher(Protocol):
    """Publishes a domain event (Video Ready, Video Failed) on the event bus
    (adapter: videoflix.adapters.eventbridge.EventBridgePublisher)."""

    def publish(self, event: DomainEvent) -> None: ...
