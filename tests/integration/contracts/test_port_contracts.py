"""Contract tests of the ports (videoflix.domain.ports): each in-memory twin and its real adapter run the
same cases, so a twin cannot drift from what S3, SQS, SES, EventBridge, Redis and the outbox do.

Every fixture here is parametrized `twin` / `real`: the twin needs nothing, the real side moto
(over HTTP), Redis at TEST_REDIS_URL, or the database (PostgreSQL at TEST_DATABASE_URL). A queue
side is the port plus a consumer of the same shape for both (`receive`, `delete`, `advance`,
`dead_letters`): the twin's own methods, or SQS's through boto3 (time then passes for real).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Iterator

import pytest

from tests.integration.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from videoflix.adapters.sqs import SqsAv1Queue, SqsChunkQueue, SqsQueue, SqsTranscodeQueue
from videoflix.db.models import utcnow
from videoflix.domain.chunk_messages import ChunkMessage
from videoflix.domain.mail import Email
from videoflix.domain.ports import ObjectMissing
from videoflix.domain.transcode_messages import av1_message, poster_message, transcode_request
from videoflix.domain.video_events import DomainEvent
from videoflix_tools.bootstrap import queue_specs
from videoflix_tools.testing import memory

pytestmark = pytest.mark.integration

SIDES = ["twin", "real"]
FIVE_MIB = 5 * 1024 * 1024  # S3's smallest part but the last


def specs(settings) -> dict[str, tuple[int, int]]:
    """Each queue's (visibility timeout, max receives), as bootstrap_aws gives the real ones."""
    return {spec.name: (spec.visibility_timeout, spec.max_receives) for spec in queue_specs(settings)}


# ---------------------------------------------------------------- storage
@dataclass
class StorageSide:
    port: Any
    settings: Any
    put_part: Callable[[str, str, int, bytes], str]  # what the browser does through a presigned URL


@pytest.fixture(params=SIDES)
def storage(request) -> StorageSide:
    if request.param == "twin":
        twin = memory.MemoryStorage(memory.memory_settings())
        return StorageSide(twin, twin.settings, twin.put_part)
    from videoflix.adapters.aws import aws_client
    from videoflix.adapters.s3_storage import S3Storage

    settings = request.getfixturevalue("settings")
    request.getfixturevalue("aws")
    s3 = aws_client("s3", settings)

    def put_part(key: str, upload_id: str, number: int, data: bytes) -> str:
        return s3.upload_part(Bucket=settings.upload_bucket, Key=key, UploadId=upload_id, PartNumber=number,
                              Body=data)["ETag"]
    return StorageSide(S3Storage(settings), settings, put_part)


def error_code(exc: BaseException) -> str:
    return exc.response["Error"]["Code"]


def test_media_text_reads_back_as_written_and_a_missing_one_is_none(storage):
    port = storage.port
    port.put_media_text("videos/1/master.m3u8", "#EXTM3U\nÄ\n", "application/vnd.apple.mpegurl")
    assert port.read_media_text("videos/1/master.m3u8") == "#EXTM3U\nÄ\n"
    assert port.read_media_text("videos/1/480p/index.m3u8") is None
    assert port.size_of(storage.settings.media_bucket, "videos/1/master.m3u8") == len("#EXTM3U\nÄ\n".encode())


def test_an_uploaded_media_file_has_its_size_head_and_bytes(storage, tmp_path):
    port, bucket = storage.port, storage.settings.media_bucket
    source = tmp_path / "segment.ts"
    source.write_bytes(bytes(range(256)) * 4)
    port.upload_media_file(source, "videos/2/480p/segment_00000.ts")
    assert port.size_of(bucket, "videos/2/480p/segment_00000.ts") == 1024
    assert port.read_head(bucket, "videos/2/480p/segment_00000.ts", 5) == bytes(range(5))
    assert port.read_head(bucket, "videos/2/480p/segment_00000.ts", 4096) == bytes(range(256)) * 4
    port.download(bucket, "videos/2/480p/segment_00000.ts", tmp_path / "copy.ts")
    assert (tmp_path / "copy.ts").read_bytes() == source.read_bytes()


@pytest.mark.parametrize("read", ["size_of", "read_head", "download"])
def test_reading_a_missing_object_raises_object_missing(storage, tmp_path, read):
    calls = {"size_of": lambda b, k: storage.port.size_of(b, k),
             "read_head": lambda b, k: storage.port.read_head(b, k, 10),
             "download": lambda b, k: storage.port.download(b, k, tmp_path / "x")}
    with pytest.raises(ObjectMissing, match="uploads/9/f.mp4"):
        calls[read](storage.settings.upload_bucket, "uploads/9/f.mp4")


def test_a_multipart_upload_lists_its_parts_and_completes_to_their_bytes_in_order(storage):
    port, key = storage.port, "uploads/3/film.mp4"
    upload_id = port.start_multipart_upload(key, "video/mp4")
    assert port.uploaded_parts(key, upload_id) == []
    first, second = b"a" * FIVE_MIB, b"the end"
    etags = {2: storage.put_part(key, upload_id, 2, second), 1: storage.put_part(key, upload_id, 1, first)}
    assert all(etag.startswith('"') and etag.endswith('"') for etag in etags.values())  # quoted, as S3 gives them
    listed = port.uploaded_parts(key, upload_id)
    assert [(p.part_number, p.etag, p.size) for p in listed] == [(1, etags[1], FIVE_MIB), (2, etags[2], 7)]
    port.complete_multipart_upload(key, upload_id, [(1, etags[1]), (2, etags[2])])
    bucket = storage.settings.upload_bucket
    assert port.size_of(bucket, key) == FIVE_MIB + 7
    assert port.read_head(bucket, key, 3) == b"aaa"
    with pytest.raises(Exception) as gone:
        port.uploaded_parts(key, upload_id)
    assert error_code(gone.value) == "NoSuchUpload"


def test_completing_with_a_wrong_etag_is_refused_and_an_aborted_upload_is_gone(storage):
    port, key = storage.port, "uploads/4/film.mp4"
    upload_id = port.start_multipart_upload(key, "video/mp4")
    storage.put_part(key, upload_id, 1, b"only part")
    with pytest.raises(Exception) as refused:
        port.complete_multipart_upload(key, upload_id, [(1, '"0123456789abcdef0123456789abcdef"')])
    assert error_code(refused.value) == "InvalidPart"
    port.abort_multipart_upload(key, upload_id)
    port.abort_multipart_upload(key, upload_id)  # twice: nothing left to clean, no error
    with pytest.raises(Exception) as gone:
        port.uploaded_parts(key, upload_id)
    assert error_code(gone.value) == "NoSuchUpload"
    with pytest.raises(ObjectMissing):
        port.size_of(storage.settings.upload_bucket, key)


def test_delete_prefix_counts_what_it_deletes_keeps_kept_prefixes_and_younger_objects(storage, tmp_path):
    port, bucket = storage.port, storage.settings.media_bucket
    for key in ("videos/5/master.m3u8", "videos/5/480p/index.m3u8", "videos/5/captions/de.vtt",
                "videos/50/master.m3u8", "videos/6/master.m3u8"):
        port.put_media_text(key, "x", "text/plain")
    assert port.child_prefixes(bucket, "videos/") == ["videos/5/", "videos/50/", "videos/6/"]
    assert port.child_prefixes(bucket, "videos/5/") == ["videos/5/480p/", "videos/5/captions/"]
    assert port.delete_prefix(bucket, "videos/5/", older_than=utcnow() - timedelta(minutes=5)) == 0
    assert port.delete_prefix(bucket, "videos/5/", older_than=utcnow() + timedelta(minutes=5),
                              keep=("videos/5/captions/",)) == 2
    assert port.read_media_text("videos/5/captions/de.vtt") == "x"
    assert port.read_media_text("videos/50/master.m3u8") == "x"  # not under "videos/5/"
    assert port.delete_prefix(bucket, "videos/") == 3
    assert port.child_prefixes(bucket, "videos/") == []
    assert port.delete_prefix(bucket, "videos/") == 0


def test_a_presigned_lifetime_with_static_credentials_is_what_was_asked(storage):
    assert storage.port.presign_lifetime(600) == 600
    assert storage.port.presign_media("videos/1/master.m3u8", 600).startswith("http")


# ---------------------------------------------------------------- queues
class SqsConsumer:
    """What a consumer does with the real queue, through boto3, in the twin's shape."""

    def __init__(self, settings, queue_name: str) -> None:
        from videoflix.adapters.aws import aws_client, queue_url

        self.sqs = aws_client("sqs", settings)
        self.url = queue_url(settings, queue_name)
        self.dlq_url = queue_url(settings, f"{queue_name}-dlq")
        self.sqs.purge_queue(QueueUrl=self.url)  # moto's S3 test event on the transcode queue

    def receive(self, max_messages: int = 10, visibility_timeout: int | None = None) -> list[dict[str, Any]]:
        extra = {} if visibility_timeout is None else {"VisibilityTimeout": visibility_timeout}
        answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=max_messages, WaitTimeSeconds=0,
                                          AttributeNames=["All"], **extra)
        return [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                 "attributes": m["Attributes"]} for m in answer.get("Messages", [])]

    def delete(self, receipt_handle: str) -> None:
        self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=receipt_handle)

    def advance(self, seconds: float) -> None:
        time.sleep(seconds)

    @property
    def dead_letters(self) -> list[str]:
        """Every body in the dead-letter queue (each read hides it a minute, so the loop ends)."""
        bodies: list[str] = []
        while messages := self.sqs.receive_message(QueueUrl=self.dlq_url, MaxNumberOfMessages=10,
                                                   VisibilityTimeout=60).get("Messages", []):
            bodies += [m["Body"] for m in messages]
        return bodies


@dataclass
class QueueSide:
    port: Any
    consumer: Any  # receive, delete, advance, dead_letters
    send_some: Callable[[], list[str]]  # sends through the port; the bodies a consumer must get
    max_receives: int


def _transcode(port, settings) -> Callable[[], list[str]]:
    def send() -> list[str]:
        port.request("uploads/1/film.mp4", 1234, "Retry")
        port.request("uploads/2/other.mp4", None, "Requeue")
        port.request_poster(1, 12.5)
        return [transcode_request(settings.upload_bucket, "uploads/1/film.mp4", 1234, "Retry"),
                transcode_request(settings.upload_bucket, "uploads/2/other.mp4", None, "Requeue"),
                poster_message(1, 12.5)]
    return send


def _chunks(port, settings) -> Callable[[], list[str]]:
    def send() -> list[str]:
        messages = [ChunkMessage(run_id=3, job_id=job, video_id=7) for job in range(1, 13)]  # two batches
        port.send(messages)
        return [m.to_body() for m in messages]
    return send


def _av1(port, settings) -> Callable[[], list[str]]:
    def send() -> list[str]:
        port.request_av1(4)
        port.send_av1_chunks(7, list(range(12)))  # two batches
        return [av1_message(4)] + [av1_message(7, chunk) for chunk in range(12)]
    return send


def _mail(port, settings) -> Callable[[], list[str]]:
    def send() -> list[str]:
        port.send('{"template": "activation", "key": "a"}')
        port.send_batch(['{"template": "reset", "key": "b"}', "plain text"])
        return ['{"template": "activation", "key": "a"}', '{"template": "reset", "key": "b"}', "plain text"]
    return send


QUEUES = {  # kind: (queue name setting, twin, SQS adapter, what to send)
    "transcode": ("transcode_queue_name", lambda s, v, m: memory.MemoryTranscodeQueue(s.upload_bucket, v, m),
                  lambda s: SqsTranscodeQueue(s), _transcode),
    "chunk": ("chunk_queue_name", lambda s, v, m: memory.MemoryChunkQueue(v, m),
              lambda s: SqsChunkQueue(s), _chunks),
    "av1": ("av1_queue_name", lambda s, v, m: memory.MemoryAv1Queue(v, m), lambda s: SqsAv1Queue(s), _av1),
    "mail": ("mail_queue_name", lambda s, v, m: memory.MemoryQueue(v, m),
             lambda s: SqsQueue(s, s.mail_queue_name), _mail),
}


@pytest.fixture(params=[(kind, side) for kind in QUEUES for side in SIDES], ids=lambda p: f"{p[0]}-{p[1]}")
def queue(request) -> QueueSide:
    kind, side = request.param
    name_setting, twin, adapter, sender = QUEUES[kind]
    if side == "twin":
        settings = memory.memory_settings()
        timeout, max_receives = specs(settings)[getattr(settings, name_setting)]
        port = twin(settings, timeout, max_receives)
        return QueueSide(port, port, sender(port, settings), max_receives)
    settings = request.getfixturevalue("settings")
    request.getfixturevalue("aws")
    port = adapter(settings)
    _, max_receives = specs(settings)[getattr(settings, name_setting)]
    return QueueSide(port, SqsConsumer(settings, getattr(settings, name_setting)), sender(port, settings),
                     max_receives)


def receive_all(consumer, visibility_timeout: int | None = None) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while batch := consumer.receive(10, visibility_timeout):
        found += batch
    return found


def test_what_is_sent_is_received_once_each_with_its_body(queue):
    expected = queue.send_some()
    received = receive_all(queue.consumer)
    assert sorted(r["body"] for r in received) == sorted(expected)  # a standard queue promises no order
    assert len({r["messageId"] for r in received}) == len(expected)
    assert {r["attributes"]["ApproximateReceiveCount"] for r in received} == {"1"}
    assert queue.consumer.receive() == []  # all of them in flight now


def test_a_received_message_comes_back_after_its_visibility_timeout_counted_again(queue):
    expected = queue.send_some()
    first = receive_all(queue.consumer, visibility_timeout=1)
    assert sorted(r["body"] for r in first) == sorted(expected)
    assert queue.consumer.receive() == []  # invisible for a second
    queue.consumer.advance(1.2)
    again = receive_all(queue.consumer, visibility_timeout=1)
    assert sorted(r["body"] for r in again) == sorted(expected)
    assert {r["attributes"]["ApproximateReceiveCount"] for r in again} == {"2"}
    assert {r["messageId"] for r in again} == {r["messageId"] for r in first}
    assert {r["receiptHandle"] for r in again}.isdisjoint(r["receiptHandle"] for r in first)


def test_a_deleted_message_never_comes_back(queue):
    expected = queue.send_some()
    received = receive_all(queue.consumer, visibility_timeout=1)
    done, failed = received[::2], received[1::2]
    for record in done:
        queue.consumer.delete(record["receiptHandle"])
    queue.consumer.advance(1.2)
    again = receive_all(queue.consumer, visibility_timeout=1)
    assert sorted(r["body"] for r in again) == sorted(r["body"] for r in failed)
    assert len(done) + len(again) == len(expected)
    for record in again:
        queue.consumer.delete(record["receiptHandle"])
    queue.consumer.advance(1.2)
    assert queue.consumer.receive() == []


def test_a_message_received_more_often_than_its_redrive_policy_allows_goes_to_the_dead_letters(queue):
    expected = queue.send_some()
    for attempt in range(1, queue.max_receives + 1):
        received = receive_all(queue.consumer, visibility_timeout=1)
        assert {r["attributes"]["ApproximateReceiveCount"] for r in received} == {str(attempt)}
        assert len(received) == len(expected)
        queue.consumer.advance(1.05)
    assert queue.consumer.receive() == []  # the receive past the limit moved them
    assert sorted(queue.consumer.dead_letters) == sorted(expected)


def test_an_empty_queue_receives_nothing(queue):
    assert queue.consumer.receive() == []


# ---------------------------------------------------------------- mail
@dataclass
class MailSide:
    port: Any
    sent: Callable[[], list[tuple]]  # (to, subject, text, html) of each email sent


@pytest.fixture(params=SIDES)
def mailer(request) -> MailSide:
    if request.param == "twin":
        twin = memory.MemoryMailer()
        return MailSide(twin, lambda: [(list(e.to), e.subject, e.text.strip(), e.html.strip()) for e in twin.sent])
    from videoflix.adapters.mail.ses import SesMailSender
    from videoflix_tools.dev.emails import moto_sent_emails

    settings = request.getfixturevalue("settings")
    request.getfixturevalue("aws")
    return MailSide(SesMailSender(settings), lambda: [
        (m["to"], m["subject"], m["text"].strip(), m["html"].strip()) for m in moto_sent_emails(settings.aws_region)])


def test_each_email_sent_reads_back_as_sent_with_its_own_message_id(mailer):
    emails = [Email(("a@example.com",), "Aktivieren Sie Ihr Konto", "Hallo Ä\nhttps://x/a\n", "<p>Hallo Ä</p>"),
              Email(("b@example.com", "c@example.com"), "Reset", "Link: https://x/r", "<p>Link</p>")]
    ids = [mailer.port.send(email) for email in emails]
    assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == 2
    assert sorted(mailer.sent()) == sorted((list(e.to), e.subject, e.text.strip(), e.html.strip()) for e in emails)


# ---------------------------------------------------------------- events
@dataclass
class EventSide:
    port: Any
    published: Callable[[], list[tuple]]  # (source, detail type, detail) of each event


@pytest.fixture(params=SIDES)
def events(request) -> EventSide:
    if request.param == "twin":
        twin = memory.MemoryEvents()
        return EventSide(twin, lambda: [(e.source, e.detail_type, e.detail) for e in twin.published])
    from videoflix.adapters.eventbridge import EventBridgePublisher
    from videoflix_tools.dev.events import receive_events, route_events_to_queue

    settings = request.getfixturevalue("settings")
    request.getfixturevalue("aws")
    url = route_events_to_queue(settings, "videoflix-contract-events", rule_name="contract-events")
    return EventSide(EventBridgePublisher(settings), lambda: [
        (e["source"], e["detail-type"], e["detail"]) for e in receive_events(settings, url)])


def test_each_event_published_arrives_with_its_source_type_and_detail(events):
    ready = DomainEvent("Video Ready", {"id": 1, "title": "Ocean", "duration": 3.5, "renditions": ["480p"],
                                        "reason": None})
    failed = DomainEvent("Video Failed", {"id": 2, "title": "Notes", "duration": None, "renditions": [],
                                          "reason": "not a video"})
    events.port.publish(ready)
    events.port.publish(failed)
    assert sorted(events.published(), key=lambda e: e[2]["id"]) == [
        (ready.source, "Video Ready", ready.detail), (failed.source, "Video Failed", failed.detail)]


# ---------------------------------------------------------------- cache
@pytest.fixture(params=SIDES)
def cache(request) -> Iterator[Any]:
    if request.param == "twin":
        import fakeredis

        yield fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
        return
    if not TEST_REDIS_URL:
        pytest.skip("TEST_REDIS_URL is not set: no real Redis to hold the twin to")
    from videoflix.adapters.redis_cache import connect_redis

    redis = connect_redis(TEST_REDIS_URL)
    redis.flushdb()
    yield redis
    redis.flushdb()


def test_strings_set_read_and_deleted(cache):
    assert cache.ping() is True
    assert cache.get("missing") is None
    assert cache.set("catalog", json.dumps([1, 2])) is True
    assert json.loads(cache.get("catalog")) == [1, 2]
    assert cache.set("catalog", "again", nx=True) is None  # nx: taken, left as it is
    assert cache.get("catalog") == json.dumps([1, 2])
    assert cache.set("lock", "1", nx=True, ex=60) is True
    assert cache.delete("catalog", "lock", "missing") == 2
    assert cache.get("catalog") is None and cache.delete("catalog") == 0


def test_a_value_set_with_ex_expires(cache):
    cache.set("short", "lived", ex=1)
    assert cache.get("short") == "lived"
    time.sleep(1.1)
    assert cache.get("short") is None


def test_hashes_through_a_pipeline(cache):
    pipe = cache.pipeline(transaction=False)
    pipe.hlen("videos")
    pipe.hset("videos", "1", "one")
    pipe.hset("videos", "2", "two")
    pipe.expire("videos", 60)
    assert pipe.execute() == [0, 1, 1, True]
    assert cache.hget("videos", "1") == "one" and cache.hget("videos", "3") is None
    assert cache.hgetall("videos") == {"1": "one", "2": "two"}
    assert cache.hdel("videos", "1", "3") == 1
    assert cache.hgetall("videos") == {"2": "two"} and cache.hgetall("nothing") == {}


def test_a_transaction_counts_and_expires_together(cache):
    pipe = cache.pipeline(transaction=True)
    pipe.incr("throttle:login:x")
    pipe.incr("throttle:login:x")
    pipe.expire("throttle:login:x", 60)
    assert pipe.execute() == [1, 2, True]
    assert cache.get("throttle:login:x") == "2"


# ---------------------------------------------------------------- mail outbox
@dataclass
class OutboxSide:
    outbox: Any
    db: Any
    consumer: Any


@pytest.fixture(params=["twin-sqlite", "sqs-sqlite", "sqs-postgresql"])
def outbox(request, tmp_path) -> OutboxSide:
    """The outbox over the mail queue twin or SQS, on SQLite (a migrated file) or PostgreSQL."""
    services = memory.memory_services(tmp_path)
    if request.param == "twin-sqlite":
        return OutboxSide(services.outbox, services.db, services.outbox.queue)
    from videoflix.adapters.mail.outbox import SqsMailOutbox

    if request.param == "sqs-postgresql":
        if not TEST_DATABASE_URL:
            pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL")
        services = request.getfixturevalue("services")  # PostgreSQL, its tables emptied
    settings = request.getfixturevalue("settings")
    request.getfixturevalue("aws")
    return OutboxSide(SqsMailOutbox(settings), services.db, SqsConsumer(settings, settings.mail_queue_name))


def _bodies(consumer) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in receive_all(consumer)]


def test_a_mail_job_is_relayed_once_after_the_commit(outbox):
    with outbox.db.session() as session:
        key = outbox.outbox.enqueue(session, "activation", {"to": "a@example.com", "link": "https://x/a"})
        assert _bodies(outbox.consumer) == []  # nothing before the commit
    assert _bodies(outbox.consumer) == [{"template": "activation", "key": key,
                                         "context": {"to": "a@example.com", "link": "https://x/a"}}]
    assert outbox.outbox.resend_unsent(outbox.db, now=utcnow() + timedelta(minutes=5)) == 0


def test_a_rolled_back_mail_job_is_never_sent(outbox):
    with pytest.raises(RuntimeError):
        with outbox.db.session() as session:
            outbox.outbox.enqueue(session, "reset", {"to": "a@example.com"})
            raise RuntimeError("the request failed")
    assert outbox.outbox.resend_unsent(outbox.db, now=utcnow() + timedelta(minutes=5)) == 0
    assert _bodies(outbox.consumer) == []


def test_a_job_the_queue_refused_is_resent_once_by_the_sweeper_then_pruned(outbox):
    queue = outbox.outbox.queue
    outbox.outbox.queue = memory.FailingPort(queue, "send", ConnectionError("queue unreachable"))
    with outbox.db.session() as session:
        key = outbox.outbox.enqueue(session, "reset", {"to": "b@example.com"})
    outbox.outbox.queue = queue
    assert _bodies(outbox.consumer) == []
    assert outbox.outbox.resend_unsent(outbox.db) == 0  # younger than a minute: the request's own relay
    assert outbox.outbox.resend_unsent(outbox.db, now=utcnow() + timedelta(minutes=2)) == 1
    assert [b["key"] for b in _bodies(outbox.consumer)] == [key]
    assert outbox.outbox.resend_unsent(outbox.db, now=utcnow() + timedelta(minutes=3)) == 0
    assert outbox.outbox.prune_sent(outbox.db) == 0
    assert outbox.outbox.prune_sent(outbox.db, now=utcnow() + timedelta(days=8)) == 1
