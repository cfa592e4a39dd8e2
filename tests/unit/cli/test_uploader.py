"""Part planning, part bodies, retries and cancellation of the multipart uploader (no network)."""
from __future__ import annotations

import threading
import time

import pytest

import videoflix_tools.cli.uploader as uploader
from videoflix_tools.cli.uploader import (Part, PartBody, PartFailed, UploadCancelled, bytes_in_parts, plan_parts,
                                    storage_reason, upload_part, upload_parts)

MIB = 1024 * 1024


def test_parts_cover_the_file_and_the_last_one_is_shorter():
    assert plan_parts(11 * MIB, 5 * MIB, [1, 2, 3]) == [
        Part(1, 0, 5 * MIB), Part(2, 5 * MIB, 5 * MIB), Part(3, 10 * MIB, MIB)]
    assert plan_parts(11 * MIB, 5 * MIB, [3]) == [Part(3, 10 * MIB, MIB)]
    assert plan_parts(100, 5 * MIB, [1]) == [Part(1, 0, 100)]
    assert bytes_in_parts(11 * MIB, 5 * MIB, [1, 3]) == 6 * MIB
    assert bytes_in_parts(11 * MIB, 5 * MIB, []) == 0


@pytest.mark.parametrize("number", [0, 4])
def test_a_part_outside_the_file_is_refused(number):
    with pytest.raises(ValueError):
        plan_parts(11 * MIB, 5 * MIB, [number])


def test_a_part_body_reads_only_its_range_and_reports_each_block(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(bytes(range(100)))
    counted = []
    with open(path, "rb") as handle:
        body = PartBody(handle, Part(2, 40, 30), counted.append, threading.Event())
        blocks = [body.read(8) for _ in range(5)]
    assert b"".join(blocks) == bytes(range(40, 70))
    assert blocks[-1] == b"" and counted == [8, 8, 8, 6] and body.sent == 30


def test_a_part_body_stops_when_the_upload_is_cancelled(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    cancelled = threading.Event()
    with open(path, "rb") as handle:
        body = PartBody(handle, Part(1, 0, 100), lambda n: None, cancelled)
        body.read(10)
        cancelled.set()
        with pytest.raises(UploadCancelled):
            body.read(10)


def test_s3_errors_are_summed_up():
    xml = b"<?xml version='1.0'?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    assert storage_reason(403, xml) == "storage answered 403 AccessDenied: Request has expired"
    assert storage_reason(502, b"Bad gateway") == "storage answered 502"


class FakeStorage:
    """Stands in for `put_part`: keeps what each part sent, fails as told."""

    def __init__(self, failures: dict[int, list[BaseException]] | None = None) -> None:
        self.failures = failures or {}
        self.received: dict[int, bytes] = {}
        self.attempts: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, url, body, length, number):
        with self.lock:
            self.attempts.append(number)
            pending = self.failures.get(number) or []
            failure = pending.pop(0) if pending else None
        data = body.read(length // 2 or 1)
        if failure is not None:
            raise failure
        data += b"".join(iter(lambda: body.read(8192), b""))
        assert len(data) == length
        with self.lock:
            self.received[number] = data
        return f'"etag-{number}"'


@pytest.fixture
def file_of_three_parts(tmp_path):
    path = tmp_path / "film.mp4"
    path.write_bytes(bytes(range(256)) * 100)  # 25,600 bytes: parts of 10,000
    return path


@pytest.fixture
def no_waits(monkeypatch):
    monkeypatch.setattr(uploader, "RETRY_DELAYS", (0.0, 0.0))


def test_every_part_is_sent_once_and_etags_come_back_in_order(file_of_three_parts, monkeypatch):
    storage = FakeStorage()
    monkeypatch.setattr(uploader, "put_part", storage)
    parts = plan_parts(25_600, 10_000, [3, 1, 2])
    done = upload_parts(file_of_three_parts, [(part, f"url-{part.number}") for part in parts], lambda n: None)
    assert done == [{"part_number": n, "etag": f'"etag-{n}"'} for n in (1, 2, 3)]
    data = file_of_three_parts.read_bytes()
    assert b"".join(storage.received[n] for n in (1, 2, 3)) == data


def test_a_passing_failure_is_retried_and_its_bytes_are_counted_once(file_of_three_parts, monkeypatch, no_waits):
    storage = FakeStorage({2: [ConnectionResetError(104, "reset"), PartFailed(2, "storage answered 503", True)]})
    monkeypatch.setattr(uploader, "put_part", storage)
    sent = []
    parts = plan_parts(25_600, 10_000, [1, 2, 3])
    upload_parts(file_of_three_parts, [(part, "url") for part in parts], sent.append)
    assert storage.attempts.count(2) == 3
    assert sum(sent) == 25_600


def test_a_lasting_failure_stops_after_three_attempts(file_of_three_parts, monkeypatch, no_waits):
    storage = FakeStorage({1: [ConnectionRefusedError(111, "Connection refused")] * 5})
    monkeypatch.setattr(uploader, "put_part", storage)
    with pytest.raises(PartFailed, match=r"part 1 failed: cannot reach the storage \(Connection refused\)"):
        upload_part(file_of_three_parts, Part(1, 0, 10_000), "url", lambda n: None, threading.Event())
    assert storage.attempts == [1, 1, 1]


def test_a_refusal_is_not_retried(file_of_three_parts, monkeypatch, no_waits):
    storage = FakeStorage({1: [PartFailed(1, "storage answered 403 AccessDenied", False)]})
    monkeypatch.setattr(uploader, "put_part", storage)
    sent = []
    with pytest.raises(PartFailed, match="403"):
        upload_part(file_of_three_parts, Part(1, 0, 10_000), "url", sent.append, threading.Event())
    assert storage.attempts == [1] and sum(sent) == 0


def test_one_failed_part_cancels_the_others(file_of_three_parts, monkeypatch, no_waits):
    started = threading.Barrier(2, timeout=5)
    cancelled_parts = []

    def put(url, body, length, number):
        started.wait()  # both parts are in flight
        if number == 1:
            raise PartFailed(1, "storage answered 403", False)
        try:
            for _ in range(10_000):
                body.read(1)
                time.sleep(0.001)
        except UploadCancelled:
            cancelled_parts.append(number)
            raise
        return '"etag"'

    monkeypatch.setattr(uploader, "put_part", put)
    parts = plan_parts(25_600, 10_000, [1, 2])
    with pytest.raises(PartFailed, match="part 1"):
        upload_parts(file_of_three_parts, [(part, "url") for part in parts], lambda n: None)
    assert cancelled_parts == [2]
