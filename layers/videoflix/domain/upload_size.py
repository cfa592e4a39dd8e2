"""The size an upload was declared with, against the size that arrived and the limit: pure, no I/O.

Checked where the upload is completed (videos/admin.py) and again by the transcoder before it
reads a byte of the file (videos/transcode.py); both read the declared size from `videos.size`.
"""
from __future__ import annotations

AGAIN = ("The file was deleted and the video marked failed; upload the film again "
         "(`videoflix delete ID`, then `videoflix upload FILE`).")


def upload_size_refusal(actual: int, declared: int, max_bytes: int) -> str | None:
    """Why an uploaded object of `actual` bytes is refused, or None when it is what was declared."""
    if actual > max_bytes:
        return (f"The uploaded file is {actual} bytes, more than the {max_bytes} bytes allowed "
                f"(MAX_UPLOAD_BYTES). {AGAIN}")
    if actual != declared:
        return f"The uploaded file is {actual} bytes, but {declared} bytes were declared. {AGAIN}"
    return None
