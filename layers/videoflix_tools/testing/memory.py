"""In-memory twins of the ports (videoflix.domain.ports) and a whole `Services` built from them.

The use cases run against these exactly as against S3, SQS, SES and Redis, so their
orchestration (the fan-out, the sweeper, the admin's retry and delete) is tested in
milliseconds, without moto, FFmpeg or a network. `FailingPort` turns any port, twin or real
adapter, into one that refuses some calls: an outage without patching a class.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from videoflix.adapters.mail.outbox import TransactionalOutbox
from videoflix.db.migrate import upgrade_database
from videoflix.db.models import utcnow
from videoflix.db.database import Database
from videoflix.domain.chunk_messages import ChunkMessage, parse_chunk_message
from videoflix.domain.insights import Rollup, ViewState, day_of
from videoflix.domain.ports import ObjectMissing, UploadedPart
from videoflix.domain.transcode_messages import av1_message, poster_message, transcode_request
from videoflix.services import Services
from videoflix.settings import Settings
from videoflix_tools.bootstrap import queue_specs

MEMORY_SECRET = "memory-twin-secret-key-long-enough-for-every-hmac-0123456789abcdef"
# Every URL the storage twin presigns starts so: recognisable, shaped as FFmpeg accepts a source
# (https), and never fetchable (.invalid is reserved, RFC 2606).
URL_BASE = "https://storage.memory.invalid/"


# ---------------------------------------------------------------- storage
@dataclass
class StoredObject:
    data: bytes
    written_at: datetime
    content_type: str = "application/octet-stream"

    @property
    def size(self) -> int:
        return len(self.data)


class StorageRefused(Exception):
    """What the storage twin raises where S3 answers an error code (`response` as botocore's)."""
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


@dataclass
class _MultipartUpload:
    key: str
    content_type: str
    parts: dict[int, bytes] = field(default_factory=dict)


class MemoryStorage:
    """The storage port over dicts: bucket -> key -> object; multipart uploads by id."""
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.buckets: dict[str, dict[str, StoredObject]] = {settings.upload_bucket: {}, settings.media_bucket: {}}
        self.uploads: dict[str, _MultipartUpload] = {}
        self._ids = itertools.count(1)

    # -- what tests use to set the scene and look at it -----------------------------------
    def put(self, bucket: str, key: str, data: bytes = b"", written_at: datetime | None = None) -> None:
        self.buckets.setdefault(bucket, {})[key] = StoredObject(data, written_at or utcnow())

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(key for key in self.buckets.get(bucket, {}) if key.startswith(prefix))

    def put_part(self, key: str, upload_id: str, part_number: int, data: bytes) -> str:
        """A part as the browser uploads it through its presigned URL; returns its ETag."""
        self.uploads[upload_id].parts[part_number] = data
        return _etag(data)

    # -- uploads --------------------------------------------------------------------------
    def start_multipart_upload(self, key: str, content_type: str) -> str:
        upload_id = f"upload-{next(self._ids)}"
        self.uploads[upload_id] = _MultipartUpload(key, content_type)
        return upload_id

    def presign_part(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        return (f"{URL_BASE}{self.settings.upload_bucket}/{key}?uploadId={upload_id}"
                f"&partNumber={part_number}&expires={expires_in}")

    def presign_upload_put(self, key: str, content_type: str, size: int, expires_in: int) -> str:
        return f"{URL_BASE}{self.settings.upload_bucket}/{key}?put&size={size}&expires={expires_in}"

    def uploaded_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        upload = self._upload(key, upload_id)
        return [UploadedPart(n, _etag(data), len(data)) for n, data in sorted(upload.parts.items())]

    def complete_multipart_upload(self, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        upload = self._upload(key, upload_id)
        if any(upload.parts.get(n) is None or _etag(upload.parts[n]).strip('"') != etag.strip('"')
               for n, etag in parts):
            raise StorageRefused("InvalidPart")
        data = b"".join(upload.parts[n] for n, _ in sorted(parts))
        self.buckets[self.settings.upload_bucket][key] = StoredObject(data, utcnow(), upload.content_type)
        del self.uploads[upload_id]

    def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)

    def _upload(self, key: str, upload_id: str) -> _MultipartUpload:
        upload = self.uploads.get(upload_id)
        if upload is None or upload.key != key:
            raise StorageRefused("NoSuchUpload")
        return upload

    # -- objects --------------------------------------------------------------------------
    def _object(self, bucket: str, key: str) -> StoredObject:
        try:
            return self.buckets[bucket][key]
        except KeyError:
            raise ObjectMissing(f"s3://{bucket}/{key}") from None

    def size_of(self, bucket: str, key: str) -> int:
        return self._object(bucket, key).size

    def download(self, bucket: str, key: str, destination: Path) -> None:
        Path(destination).write_bytes(self._object(bucket, key).data)

    def read_head(self, bucket: str, key: str, size: int) -> bytes:
        return self._object(bucket, key).data[:size]

    def upload_media_file(self, path: Path, key: str) -> None:
        self.put(self.settings.media_bucket, key, Path(path).read_bytes())

    def put_media_text(self, key: str, text: str, content_type: str) -> None:
        self.put(self.settings.media_bucket, key, text.encode("utf-8"))

    def read_media_text(self, key: str) -> str | None:
        stored = self.buckets[self.settings.media_bucket].get(key)
        return None if stored is None else stored.data.decode("utf-8")

    def presign_media(self, key: str, expires_in: int) -> str:
        return f"{URL_BASE}{self.settings.media_bucket}/{key}?expires={expires_in}"

    def presign_lifetime(self, expires_in: int) -> int:
        return expires_in  # no credentials that could expire

    def presign_internal_read(self, bucket: str, key: str, expires_in: int) -> str:
        return f"{URL_BASE}{bucket}/{key}?internal=1&expires={expires_in}"

    def delete_prefix(self, bucket: str, prefix: str, older_than: datetime | None = None,
                      keep: tuple[str, ...] = ()) -> int:
        objects = self.buckets.get(bucket, {})
        doomed = [key for key, stored in objects.items() if key.startswith(prefix)
                  and (older_than is None or stored.written_at < older_than) and not key.startswith(keep)]
        for key in doomed:
            del objects[key]
        return len(doomed)

    def child_prefixes(self, bucket: str, prefix: str) -> list[str]:
        children = {prefix + key[len(prefix):].split("/", 1)[0] + "/"
                    for key in self.buckets.get(bucket, {}) if key.startswith(prefix) and "/" in key[len(prefix):]}
        return sorted(children)


def _etag(data: bytes) -> str:
    """A part's ETag as S3 gives it: its MD5 in double quotes."""
    return f'"{hashlib.md5(data).hexdigest()}"'


# ---------------------------------------------------------------- queues and mail
SQS_DEFAULT_VISIBILITY_TIMEOUT = 30  # what SQS gives a queue created without one


@dataclass
class _HeldMessage:
    message_id: str
    body: str
    sent_at: float
    receive_count: int = 0
    visible_at: float = 0.0
    receipt_handle: str | None = None


class MemorySqs:
    """One SQS queue as the use cases and Lambda see it, over a list and a clock that moves only
    when a test says so (`advance`).

    A received message is invisible for its visibility timeout and comes back after it unless it
    was deleted; each receive counts in its ApproximateReceiveCount. With `max_receive_count` (the
    redrive policy), a receive that would exceed it moves the message to `dead_letters` instead.
    `receive` answers records shaped as Lambda's SQS event records, so a handler takes them as they are.
    """

    def __init__(self, visibility_timeout: int = SQS_DEFAULT_VISIBILITY_TIMEOUT,
                 max_receive_count: int | None = None) -> None:
        self.visibility_timeout = visibility_timeout
        self.max_receive_count = max_receive_count
        self.now = 0.0
        self.dead_letters: list[str] = []
        self._held: list[_HeldMessage] = []
        self._message_ids = itertools.count(1)
        self._receipts = itertools.count(1)

    def _enqueue(self, body: str) -> None:
        self._held.append(_HeldMessage(f"memory-message-{next(self._message_ids)}", body, self.now,
                                       visible_at=self.now))

    # -- what a consumer (Lambda's poller, a test) does --------------------------------------
    def receive(self, max_messages: int = 10, visibility_timeout: int | None = None) -> list[dict[str, Any]]:
        """Up to `max_messages` visible messages, oldest first, now hidden for `visibility_timeout`
        seconds (the queue's own if None)."""
        timeout = self.visibility_timeout if visibility_timeout is None else visibility_timeout
        records: list[dict[str, Any]] = []
        for held in [h for h in self._held if h.visible_at <= self.now]:
            if len(records) == max_messages:
                break
            if self.max_receive_count is not None and held.receive_count >= self.max_receive_count:
                self._held.remove(held)
                self.dead_letters.append(held.body)
                continue
            held.receive_count += 1
            held.visible_at = self.now + timeout
            held.receipt_handle = f"{held.message_id}/receipt-{next(self._receipts)}"
            records.append({"messageId": held.message_id, "receiptHandle": held.receipt_handle,
                            "body": held.body, "eventSource": "aws:sqs", "messageAttributes": {},
                            "attributes": {"ApproximateReceiveCount": str(held.receive_count),
                                           "SentTimestamp": str(int(held.sent_at * 1000))}})
        return records

    def delete(self, receipt_handle: str) -> None:
        """Delete the message last received with `receipt_handle`; an older handle deletes nothing,
        as SQS does not promise to."""
        self._held = [h for h in self._held if h.receipt_handle != receipt_handle]

    def change_visibility(self, receipt_handle: str, visibility_timeout: int) -> None:
        for held in self._held:
            if held.receipt_handle == receipt_handle:
                held.visible_at = self.now + visibility_timeout

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass: messages whose visibility timeout ends by then are visible again."""
        self.now += seconds

    def deliver(self, handler: Callable[[dict[str, Any]], Any], max_messages: int = 10) -> list[BaseException]:
        """What Lambda's SQS poller does with one batch per call to `handler`, record by record: a
        record handled is deleted, a failure stays in the queue (invisible until its timeout ends)."""
        errors: list[BaseException] = []
        for record in self.receive(max_messages):
            try:
                handler(record)
            except Exception as exc:
                errors.append(exc)
            else:
                self.delete(record["receiptHandle"])
        return errors

    def redrive(self) -> int:
        """Move the dead letters back (the console's redrive): new messages, counted from zero."""
        moved, self.dead_letters = self.dead_letters, []
        for body in moved:
            self._enqueue(body)
        return len(moved)

    # -- what tests look at ---------------------------------------------------------------
    def held_bodies(self) -> list[str]:
        """Every message sent and not deleted (visible or not), oldest first."""
        return [held.body for held in self._held]

    def visible_count(self) -> int:
        return sum(1 for held in self._held if held.visible_at <= self.now)


class MemoryQueue(MemorySqs):
    """A queue of plain bodies (the mail queue); `bodies` records what was sent."""
    def __init__(self, visibility_timeout: int = SQS_DEFAULT_VISIBILITY_TIMEOUT,
                 max_receive_count: int | None = None) -> None:
        super().__init__(visibility_timeout, max_receive_count)
        self.bodies: list[str] = []

    def send(self, body: str) -> None:
        self.bodies.append(body)
        self._enqueue(body)

    def send_batch(self, bodies: Sequence[str]) -> None:
        for body in bodies:
            self.send(body)


@dataclass(frozen=True)
class TranscodeRequest:
    source_key: str
    size: int | None
    cause: str


class MemoryTranscodeQueue(MemorySqs):
    """The transcode queue port: records each request; `bodies()` as the transcoder would receive them."""
    def __init__(self, upload_bucket: str, visibility_timeout: int = SQS_DEFAULT_VISIBILITY_TIMEOUT,
                 max_receive_count: int | None = None) -> None:
        super().__init__(visibility_timeout, max_receive_count)
        self.upload_bucket = upload_bucket
        self.requests: list[TranscodeRequest] = []
        self.poster_jobs: list[tuple[int, float]] = []

    def request(self, source_key: str, size: int | None, cause: str) -> None:
        self.requests.append(TranscodeRequest(source_key, size, cause))
        self._enqueue(transcode_request(self.upload_bucket, source_key, size, cause))

    def request_poster(self, video_id: int, at_seconds: float) -> None:
        self.poster_jobs.append((video_id, at_seconds))
        self._enqueue(poster_message(video_id, at_seconds))

    def bodies(self) -> list[str]:
        """Every body sent, as the transcoder would receive it: the requests, then the poster jobs."""
        return ([transcode_request(self.upload_bucket, r.source_key, r.size, r.cause) for r in self.requests]
                + [poster_message(video_id, at) for video_id, at in self.poster_jobs])


class MemoryChunkQueue(MemorySqs):
    """The chunk queue port: `messages` records the job messages sent; `held()` those still queued."""
    def __init__(self, visibility_timeout: int = SQS_DEFAULT_VISIBILITY_TIMEOUT,
                 max_receive_count: int | None = None) -> None:
        super().__init__(visibility_timeout, max_receive_count)
        self.messages: list[ChunkMessage] = []

    def send(self, messages: Sequence[ChunkMessage]) -> None:
        for message in messages:
            self.messages.append(message)
            self._enqueue(message.to_body())

    def held(self) -> list[ChunkMessage]:
        """The fan-out job messages sent and not deleted (visible or not), oldest first."""
        return [parse_chunk_message(body) for body in self.held_bodies()]


class MemoryAv1Queue(MemorySqs):
    """The AV1 queue port: `jobs` records (video id, chunk or None for the whole ladder) in the order sent."""
    def __init__(self, visibility_timeout: int = SQS_DEFAULT_VISIBILITY_TIMEOUT,
                 max_receive_count: int | None = None) -> None:
        super().__init__(visibility_timeout, max_receive_count)
        self.jobs: list[tuple[int, int | None]] = []

    def request_av1(self, video_id: int) -> None:
        self.jobs.append((video_id, None))
        self._enqueue(av1_message(video_id))

    def send_av1_chunks(self, video_id: int, chunks: Sequence[int]) -> None:
        for chunk in chunks:
            self.jobs.append((video_id, chunk))
            self._enqueue(av1_message(video_id, chunk))


class MemoryMailer:
    """The mailer port: keeps each email instead of sending it."""
    def __init__(self) -> None:
        self.sent: list[Any] = []

    def send(self, email) -> str:
        self.sent.append(email)
        return f"memory-{len(self.sent)}"


class MemoryEvents:
    """The events port: records each published event (detail type and detail) instead of sending it."""
    def __init__(self) -> None:
        self.published: list[Any] = []

    def publish(self, event) -> None:
        self.published.append(event)

    def of_type(self, detail_type: str) -> list[dict[str, Any]]:
        return [event.detail for event in self.published if event.detail_type == detail_type]


class MemoryInsightsStore:
    """The insights store's twin (videoflix.db.insights.SqlInsightsStore): dicts of what was counted."""
    def __init__(self) -> None:
        self.batches: set[tuple[str, int]] = set()
        self.views: dict[str, tuple[str, ViewState]] = {}
        self.hours: dict[tuple[int, datetime], Rollup] = {}
        self.days: dict[tuple[int, Any], Rollup] = {}

    def claim_batch(self, view_key: str, seq: int, received_at: float) -> bool:
        if (view_key, seq) in self.batches:
            return False
        self.batches.add((view_key, seq))
        return True

    def view(self, view_key: str) -> ViewState | None:
        found = self.views.get(view_key)
        return None if found is None else found[1]

    def save_view(self, view_key: str, viewer: str, state: ViewState, created: bool) -> None:
        self.views[view_key] = (viewer, state)

    def is_new_viewer(self, video_id: int, viewer: str, hour: datetime) -> tuple[bool, bool]:
        mine = [state for who, state in self.views.values() if who == viewer and state.video_id == video_id]
        return (not any(state.hour == hour for state in mine),
                not any(day_of(state.hour) == day_of(hour) for state in mine))

    def add(self, video_id: int, hour: datetime, delta: Rollup, day_unique_viewers: int = 0) -> None:
        self.add_hour(video_id, hour, delta)
        self.add_day(video_id, day_of(hour), Rollup(**{**delta.to_row(), "unique_viewers": day_unique_viewers}))

    def add_hour(self, video_id: int, hour: datetime, delta: Rollup) -> None:
        self.hours[(video_id, hour)] = self.hours.get((video_id, hour), Rollup()).add(delta)

    def add_day(self, video_id: int, day: Any, delta: Rollup) -> None:
        self.days[(video_id, day)] = self.days.get((video_id, day), Rollup()).add(delta)

    def total(self) -> Rollup:
        result = Rollup()
        for rollup in self.hours.values():
            result = result.add(rollup)
        return result


class FailingPort:
    """`port` with `method` raising `error` whenever `when(*args)` holds; `refused` records those calls."""
    def __init__(self, port: Any, method: str, error: BaseException,
                 when: Callable[..., bool] = lambda *args, **kwargs: True) -> None:
        self.port, self.method, self.error, self.when = port, method, error, when
        self.refused: list[tuple] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.port, name)
        if name != self.method:
            return attribute

        def failing(*args, **kwargs):
            if self.when(*args, **kwargs):
                self.refused.append(args)
                raise self.error
            return attribute(*args, **kwargs)
        return failing


# ---------------------------------------------------------------- a whole Services
def memory_settings(**overrides: Any) -> Settings:
    """Test settings: fast bcrypt, a test secret, no Redis URL (the cache is fakeredis anyway)."""
    values: dict[str, Any] = dict(environment="test", secret_key=MEMORY_SECRET, bcrypt_rounds=4,
                                  cookie_secure=False, redis_url="",
                                  av1_ladder=False)  # no AV1 jobs through stand-in FFmpegs
    values.update(overrides)
    return Settings(**values)


@functools.lru_cache(maxsize=1)
def _migrated_template() -> Path:
    """A SQLite file migrated to head once per process; each Services gets a copy (migrating is slow)."""
    path = Path(tempfile.mkdtemp(prefix="videoflix-memory-template-")) / "template.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    return path


def _copy_database(source: Path, target: Path) -> None:
    # The backup API copies what the write-ahead log holds too, unlike copying the file.
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def memory_services(folder: Path | None = None, settings: Settings | None = None, **overrides: Any) -> Services:
    """A `Services` of twins: a migrated SQLite file in `folder`, fakeredis, in-memory storage and queues."""
    import fakeredis

    folder = Path(folder or tempfile.mkdtemp(prefix="videoflix-memory-"))
    database = folder / "videoflix.sqlite3"
    _copy_database(_migrated_template(), database)
    settings = (settings or memory_settings()).with_overrides(database_url=f"sqlite:///{database}", **overrides)


    # Each queue twin has the visibility timeout and redrive policy the local stacks give the real one.
    specs = {spec.name: (spec.visibility_timeout, spec.max_receives) for spec in queue_specs(settings)}
    return Services(settings=settings, db=Database.from_url(settings.database_url), storage=MemoryStorage(settings),
                    transcode_queue=MemoryTranscodeQueue(settings.upload_bucket,
                                                         *specs[settings.transcode_queue_name]),
                    chunk_queue=MemoryChunkQueue(*specs[settings.chunk_queue_name]),
                    av1_queue=MemoryAv1Queue(*specs[settings.av1_queue_name]),
                    outbox=TransactionalOutbox(MemoryQueue(*specs[settings.mail_queue_name])),
                    mailer=MemoryMailer(), events=MemoryEvents(),
                    playback_queue=MemoryQueue(*specs[settings.playback_queue_name]),
                    cache=fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True))
