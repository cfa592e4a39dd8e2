"""Which video containers an upload may be, told from its first bytes (no FFmpeg, no PyAV).

The transcoder forces the demuxer this names (videoflix.pipeline.probe); the staff API reads
the same verdict before it queues a failed film again.
"""
from __future__ import annotations

# The demuxer names that FFmpeg's `-f` and PyAV's `format=` accept.
MOV = "mov"  # MP4, MOV, M4V
MATROSKA = "matroska"  # MKV, WebM
ALLOWED_FORMATS = (MOV, MATROSKA)
SUPPORTED_FORMATS_TEXT = "MP4, MOV, MKV or WebM"
HEAD_BYTES = 4096  # what is read of a file to tell

EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# Top-level boxes an ISO base media / QuickTime file may start with.
ISO_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def sniff_container(head: bytes) -> str | None:
    """The allowed demuxer that fits a file's first bytes, or None."""
    if head.startswith(EBML_MAGIC):
        return MATROSKA
    if len(head) >= 8 and head[4:8] in ISO_FIRST_BOXES:
        box_size = int.from_bytes(head[:4], "big")
        if box_size in (0, 1) or box_size >= 8:  # 0: box runs to the end, 1: 64-bit size follows
            return MOV
    return None


def describe_unsupported(head: bytes) -> str:
    """A guess at what an unsupported file is, for the rejection message."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"#EXTM3U"):
        return "an HLS playlist"
    if text.startswith(b"ffconcat"):
        return "an FFmpeg concat script"
    if text.startswith((b"<?xml", b"<MPD", b"<mpd")):
        return "an XML document"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "a file of an unknown or unsupported format"
    return "a text file"
