"""Sending a film's parts to the presigned URLs the admin API planned, one after another.

The dev stack's sample film and the tests upload this way; each PUT is the CLI's own
(`videoflix upload` sends the same requests, several at once, with retries and progress).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from videoflix_tools.cli.uploader import put_part


def put_parts(plan: dict[str, Any], source: bytes | Path, only: set[int] | None = None) -> list[dict[str, Any]]:
    """PUT each planned part (those numbered in `only`, if given); returns [{part_number, etag}].

    `plan` is the admin API's `upload` (`part_size` and `parts`: [{part_number, url}]);
    `source` is the film's bytes or its file. A refused part raises the CLI's PartFailed.
    """
    size = plan["part_size"]
    done = []
    for part in plan["parts"]:
        number = part["part_number"]
        if only is not None and number not in only:
            continue
        chunk = _read(source, (number - 1) * size, size)
        done.append({"part_number": number, "etag": put_part(part["url"], chunk, len(chunk), number)})
    return done


def _read(source: bytes | Path, offset: int, length: int) -> bytes:
    if isinstance(source, bytes):
        return source[offset:offset + length]
    with open(source, "rb") as handle:
        handle.seek(offset)
        return handle.read(length)
