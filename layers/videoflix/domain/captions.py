"""Caption files: WebVTT checked, SRT turned into WebVTT, language tags. Pure: no I/O.

What is checked (a refusal names the first bad line, counted in the file as given):
UTF-8 text without NUL, at most MAX_CAPTION_BYTES; WebVTT's `WEBVTT` header (or an SRT file,
converted); each cue's timing line `[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]` with valid
settings (vertical, line, position, size, align, region); an end after its start; cues in
order of their start; every cue inside the film's duration; at least one cue. Timestamps are ASCII
digits (what a player reads), and an hour has at most MAX_HOUR_DIGITS digits after its leading zeros
(a longer one is refused before any arithmetic: no int() past Python's digit limit, no float overflow).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CAPTION_BYTES = 2 * 1024 * 1024
DURATION_TOLERANCE = 0.05  # seconds a cue may end past the film's measured length (rounding)
CONTENT_TYPE = "text/vtt; charset=utf-8"
MAX_HOUR_DIGITS = 9  # about 114,000 years: any real film fits, and the sums stay exact
_TIMESTAMP = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIMESTAMP}[ \t]+-->[ \t]+{_TIMESTAMP}(?:[ \t]+(.*))?$", re.ASCII)
_SRT_TIMING = re.compile(r"^(\d{1,2}):([0-5]\d):([0-5]\d)[,.](\d{3})[ \t]+-->[ \t]+"
                         r"(\d{1,2}):([0-5]\d):([0-5]\d)[,.](\d{3})(?:[ \t]+.*)?$", re.ASCII)
_SETTING = {
    "vertical": re.compile(r"^(rl|lr)$"),
    "line": re.compile(r"^(-?\d+|\d+(\.\d+)?%)(,(start|center|end))?$"),
    "position": re.compile(r"^\d+(\.\d+)?%(,(line-left|center|line-right))?$"),
    "size": re.compile(r"^\d+(\.\d+)?%$"),
    "align": re.compile(r"^(start|center|end|left|right)$"),
    "region": re.compile(r"^[^\s>-][^\s]*$"),
}
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?(-[A-Za-z0-9]{5,8}|-\d[A-Za-z0-9]{3})*$")
MAX_LANG_LENGTH = 35


class CaptionError(ValueError):
    """The file is refused; `line` is its first bad line (1-based), 0 for the file as a whole."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    line: int  # of its timing line


@dataclass(frozen=True)
class CaptionFile:
    text: str  # WebVTT, as it is stored and served
    cues: tuple[Cue, ...]
    converted_from_srt: bool


def normalize_lang(raw: str) -> str | None:
    """A BCP 47-ish tag in its canonical case (`de`, `pt-BR`, `zh-Hant-TW`), or None if it is none."""
    if not isinstance(raw, str) or len(raw) > MAX_LANG_LENGTH or not _LANG.fullmatch(raw):
        return None
    parts = raw.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def decode_caption_bytes(data: bytes) -> str:
    """A caption file read from disk (the CLI): UTF-8, with or without a byte order mark."""
    if len(data) > MAX_CAPTION_BYTES:
        raise CaptionError(0, f"The file is larger than {MAX_CAPTION_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CaptionError(line, "not valid UTF-8 text") from None


def parse_caption_file(content: str, duration: float | None) -> CaptionFile:
    """The checked WebVTT text of `content` (WebVTT, or SRT converted), or CaptionError."""
    try:
        size = len(content.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise CaptionError(content[:exc.start].count("\n") + 1, "not valid UTF-8 text") from None
    if size > MAX_CAPTION_BYTES:
        raise CaptionError(0, f"The file is larger than {MAX_CAPTION_BYTES // (1024 * 1024)} MB.")
    content = content.removeprefix("\ufeff")
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        if "\x00" in line:
            raise CaptionError(number, "null characters are not allowed")
    first = next((line.strip() for line in lines if line.strip()), "")
    if _SRT_TIMING.match(first) or (first.isdigit() and _looks_like_srt(lines)):
        lines = _srt_to_vtt_lines(lines)
        cues = _parse_cues(lines, 0, duration)
        return CaptionFile("\n".join(["WEBVTT", "", *lines]).rstrip("\n") + "\n", cues, True)
    if not re.match(r"^WEBVTT([ \t].*)?$", lines[0]):
        raise CaptionError(1, "a WebVTT file starts with the line WEBVTT (an SRT file starts with a cue number)")
    # The header runs to the first blank line.
    index = 1
    while index < len(lines) and lines[index].strip():
        if "-->" in lines[index]:
            raise CaptionError(index + 1, "a blank line must separate the WEBVTT header from the first cue")
        index += 1
    cues = _parse_cues(lines, index, duration)
    return CaptionFile("\n".join(lines).rstrip("\n") + "\n", cues, False)


def _looks_like_srt(lines: list[str]) -> bool:
    rest = [line.strip() for line in lines if line.strip()]
    return len(rest) > 1 and bool(_SRT_TIMING.match(rest[1]))


def _srt_to_vtt_lines(lines: list[str]) -> list[str]:
    """SRT's timing lines with WebVTT's full stops; the line count stays (errors name SRT lines)."""
    out = []
    for line in lines:
        match = _SRT_TIMING.match(line.strip())
        if match:
            h1, m1, s1, ms1, h2, m2, s2, ms2 = match.groups()
            line = f"{int(h1):02d}:{m1}:{s1}.{ms1} --> {int(h2):02d}:{m2}:{s2}.{ms2}"
        out.append(line)
    return out


def _seconds(hours: str | None, minutes: str, seconds: str, millis: str, number: int) -> float:
    hours = (hours or "0").lstrip("0") or "0"
    if len(hours) > MAX_HOUR_DIGITS:
        raise CaptionError(number, f"bad cue timing: the hours of a timestamp have at most {MAX_HOUR_DIGITS} "
                                   f"digits (this one has {len(hours)})")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(millis) / 1000


def _parse_cues(lines: list[str], index: int, duration: float | None) -> tuple[Cue, ...]:
    cues: list[Cue] = []
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        block = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        head = block[0].strip()
        if head.startswith("NOTE") and (len(head) == 4 or head[4] in " \t") or head in ("STYLE", "REGION"):
            if not cues or head.startswith("NOTE"):
                continue
            raise CaptionError(block_start + 1, f"{head} blocks must come before the first cue")
        if "-->" in block[0]:
            timing_at = 0
        elif len(block) > 1 and "-->" in block[1]:
            timing_at = 1  # after the cue's identifier
        else:
            # A first line that starts like a timestamp is a broken timing line, not a cue identifier.
            looks_timed = re.match(r"^\s*\d+:\d", block[0]) is not None
            raise CaptionError(block_start + (1 if looks_timed else min(len(block), 2)),
                               "expected a cue timing line such as 00:00:01.000 --> 00:00:04.000")
        number = block_start + timing_at + 1
        cue = _timing(block[timing_at].strip(), number)
        for offset, payload in enumerate(block[timing_at + 1:], timing_at + 2):
            if "-->" in payload:
                raise CaptionError(block_start + offset, "a cue's text may not contain --> "
                                   "(is a blank line missing before this cue?)")
        if cues and cue.start < cues[-1].start:
            raise CaptionError(number, f"cues must be in order: this one starts at {cue.start:.3f} s, "
                                       f"before the one on line {cues[-1].line} ({cues[-1].start:.3f} s)")
        if duration is not None and cue.end > duration + DURATION_TOLERANCE:
            raise CaptionError(number, f"the cue ends at {cue.end:.3f} s, after the film ({duration:.3f} s)")
        cues.append(cue)
    if not cues:
        raise CaptionError(len(lines), "the file has no cues")
    return tuple(cues)


def _timing(line: str, number: int) -> Cue:
    match = _TIMING.match(line)
    if not match:
        raise CaptionError(number, f"bad cue timing {line[:80]!r}: expected [HH:]MM:SS.mmm --> [HH:]MM:SS.mmm")
    start, end = _seconds(*match.group(1, 2, 3, 4), number), _seconds(*match.group(5, 6, 7, 8), number)
    if end <= start:
        raise CaptionError(number, "the cue ends before it starts")
    for setting in (match.group(9) or "").split():
        name, colon, value = setting.partition(":")
        pattern = _SETTING.get(name)
        if not colon or pattern is None or not pattern.match(value):
            raise CaptionError(number, f"bad cue setting {setting[:40]!r}")
    return Cue(start, end, number)
