"""Multipart upload of a local file straight to S3 through presigned part URLs, several parts at once."""
from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable

from videoflix_tools.cli.api import send, transport_reason

WORKERS = 4
PART_TIMEOUT = 60
# Waits before the second and third attempt of a part that failed for a passing reason.
RETRY_DELAYS = (1.0, 4.0)
RETRYABLE_STATUSES = {408, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Part:
    number: int
    offset: int
    length: int


class UploadCancelled(Exception):
    """Another part failed or the user interrupted: stop sending."""


class PartFailed(Exception):
    def __init__(self, number: int, reason: str, retryable: bool) -> None:
        super().__init__(f"part {number} failed: {reason}")
        self.number = number
        self.retryable = retryable


def plan_parts(size: int, part_size: int, numbers: list[int]) -> list[Part]:
    """The byte ranges of the given part numbers (1-based) of a file of `size` bytes."""
    parts = []
    for number in numbers:
        offset = (number - 1) * part_size
        if number < 1 or offset >= size:
            raise ValueError(f"part {number} lies outside a file of {size} bytes in parts of {part_size}")
        parts.append(Part(number, offset, min(part_size, size - offset)))
    return parts


def bytes_in_parts(size: int, part_size: int, numbers: list[int]) -> int:
    return sum(part.length for part in plan_parts(size, part_size, numbers))


class PartBody:
    """The bytes of one part, read in blocks so that progress moves, and a cancel is heard, mid-request."""

    def __init__(self, handle: BinaryIO, part: Part, on_bytes: Callable[[int], None],
                 cancelled: threading.Event) -> None:
        handle.seek(part.offset)
        self.handle = handle
        self.remaining = part.length
        self.sent = 0
        self.on_bytes = on_bytes
        self.cancelled = cancelled

    def read(self, size: int = -1) -> bytes:
        if self.cancelled.is_set():
            raise UploadCancelled()
        if self.remaining <= 0:
            return b""
        data = self.handle.read(self.remaining if size is None or size < 0 else min(size, self.remaining))
        if not data:
            raise OSError("the file got shorter while it was being uploaded")
        self.remaining -= len(data)
        self.sent += len(data)
        self.on_bytes(len(data))
        return data


def storage_reason(status: int, body: bytes) -> str:
    """S3's XML error as `403 AccessDenied: Request has expired`."""
    text = body.decode("utf-8", "replace")
    code = re.search(r"<Code>([^<]*)</Code>", text)
    message = re.search(r"<Message>([^<]*)</Message>", text)
    return " ".join(filter(None, [f"storage answered {status}", code and code.group(1)])) + \
        (f": {message.group(1)}" if message else "")


def put_part(url: str, body: Any, length: int, number: int) -> str:
    """PUT one part to its presigned URL (one attempt); returns the ETag S3 gave it."""
    answer = send("PUT", url, body=body, timeout=PART_TIMEOUT,
                  headers={"Content-Length": str(length), "Content-Type": "application/octet-stream"})
    if answer.status != 200:
        raise PartFailed(number, storage_reason(answer.status, answer.body), answer.status in RETRYABLE_STATUSES)
    etag = next((value for name, value in answer.headers if name.lower() == "etag"), None)
    if not etag:
        raise PartFailed(number, "storage answered without an ETag", False)
    return etag


def upload_part(path: Path, part: Part, url: str, on_bytes: Callable[[int], None],
                cancelled: threading.Event) -> str:
    failure: PartFailed | None = None
    for delay in (0.0, *RETRY_DELAYS):
        if delay and cancelled.wait(delay):
            raise UploadCancelled()
        with open(path, "rb") as handle:
            body = PartBody(handle, part, on_bytes, cancelled)
            try:
                return put_part(url, body, part.length, part.number)
            except PartFailed as exc:
                failure = exc
            except UploadCancelled:
                on_bytes(-body.sent)
                raise
            except OSError as exc:  # refused, reset, timed out
                failure = PartFailed(part.number, f"cannot reach the storage ({transport_reason(exc)})", True)
            on_bytes(-body.sent)
        if not failure.retryable:
            break
    assert failure is not None
    raise failure


def upload_parts(path: Path, parts: list[tuple[Part, str]], on_bytes: Callable[[int], None],
                 workers: int = WORKERS) -> list[dict[str, Any]]:
    """Upload each (part, presigned URL); returns [{part_number, etag}] sorted, or raises the first failure."""
    if not parts:
        return []
    cancelled = threading.Event()
    pool = ThreadPoolExecutor(max_workers=min(workers, len(parts)), thread_name_prefix="upload-part")
    done = []
    try:
        futures = {pool.submit(upload_part, path, part, url, on_bytes, cancelled): part for part, url in parts}
        for future in as_completed(futures):
            done.append({"part_number": futures[future].number, "etag": future.result()})
    except BaseException:
        cancelled.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return sorted(done, key=lambda item: item["part_number"])
