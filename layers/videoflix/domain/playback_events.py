"""Playback events: the batch a player sends per view, and the queue message the ingest makes of it.

A player reports one *view* (one film played once, in one page) in numbered batches:

    {"view_id": "3f9c0e...", "video_id": 12, "seq": 0, "browser": "chrome", "events": [
        {"type": "view_start"},
        {"type": "startup", "ms": 840},                       # play intent to first frame
        {"type": "stall", "ms": 1200},                        # one rebuffering, its length
        {"type": "rendition", "height": 720, "bitrate": 2800000, "codec": "avc1.64001f"},
        {"type": "error", "fatal": true, "error_type": "networkError", "details": "manifestLoadError"},
        {"type": "seek", "from_s": 3.0, "to_s": 40.0},
        {"type": "watched", "seconds": 4.9, "height": 720, "codec": "avc1.64001f"}]}

`view_id` is opaque (the player draws it at random); `seq` counts the view's batches from 0, so a
batch delivered twice is recognised (view, seq) and counted once. Nothing identifies the person:
no IP address, no user agent, only a browser family from a short list. The ingest adds who sent it
as a keyed hash (`viewer`) and when it arrived; that is the queue message (`to_message`).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from videoflix.errors import FieldErrors, InvalidInput

MAX_EVENTS = 200
MAX_SEQ = 1_000_000
MAX_EVENT_MS = 600_000          # a startup or a stall longer than 10 minutes is not a measurement
MAX_WATCHED_PER_BATCH = 3600.0  # seconds; a batch is sent every few seconds
MAX_HEIGHT = 8640
MAX_BITRATE = 1_000_000_000
MAX_TEXT = 64
VIEW_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
BROWSERS = ("chrome", "edge", "firefox", "safari", "opera", "samsung", "other")
EVENT_TYPES = ("view_start", "startup", "stall", "rendition", "error", "seek", "watched")
MESSAGE_VERSION = 1


@dataclass(frozen=True)
class Event:
    """One validated event; fields that a type does not use stay at their defaults."""
    type: str
    ms: float = 0.0
    seconds: float = 0.0
    height: int = 0
    bitrate: int = 0
    codec: str = ""
    fatal: bool = False
    error_type: str = ""
    details: str = ""

    def to_json(self) -> dict[str, Any]:
        """The event as the queue message carries it (only the fields its type has)."""
        return {"type": self.type, **{name: getattr(self, name) for name in FIELDS_OF[self.type]}}


FIELDS_OF = {"view_start": (), "startup": ("ms",), "stall": ("ms",), "seek": (),
             "rendition": ("height", "bitrate", "codec"), "error": ("fatal", "error_type", "details"),
             "watched": ("seconds", "height", "codec")}


@dataclass(frozen=True)
class PlaybackBatch:
    view_id: str
    video_id: int
    seq: int
    browser: str
    events: tuple[Event, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class BatchMessage:
    """What the aggregator folds: the batch, who sent it (a keyed hash) and when it arrived (epoch s)."""
    batch: PlaybackBatch
    viewer: str
    received_at: float

    @property
    def view_key(self) -> str:
        """The view as the aggregator keys it: the player's id within its viewer's (ids never collide across viewers)."""
        return f"{self.viewer[:16]}:{self.batch.view_id}"


def codec_family(codec: str) -> str:
    """`avc1.64001f` -> `avc1`, `mp4a.40.2` -> `mp4a`, `av01.0.08M.08` -> `av01`; empty when unknown."""
    head = codec.split(".", 1)[0].strip().lower()
    return head if re.fullmatch(r"[a-z0-9]{2,8}", head) else ""


def browser_family(raw: Any) -> str:
    return raw if isinstance(raw, str) and raw in BROWSERS else "other"


def _number(event: dict[str, Any], name: str, where: str, problems: list[str], low: float, high: float,
            required: bool = True) -> float:
    value = event.get(name)
    if value is None and not required:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        problems.append(f"{where}: `{name}` must be a number.")
        return 0.0
    if not low <= value <= high:
        problems.append(f"{where}: `{name}` must be between {low:g} and {high:g}, got {value:g}.")
        return 0.0
    return float(value)


def _text(event: dict[str, Any], name: str, where: str, problems: list[str]) -> str:
    value = event.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT or not value.isprintable():
        problems.append(f"{where}: `{name}` must be text of at most {MAX_TEXT} printable characters.")
        return ""
    return value


def parse_event(raw: Any, index: int, problems: list[str]) -> Event | None:
    where = f"event {index}"
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object with a `type`.")
        return None
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        problems.append(f"{where}: `type` must be one of {', '.join(EVENT_TYPES)}, got {kind!r}.")
        return None
    before = len(problems)
    event: Event
    if kind == "view_start":
        event = Event(kind)
    elif kind in ("startup", "stall"):
        event = Event(kind, ms=_number(raw, "ms", where, problems, 0, MAX_EVENT_MS))
    elif kind == "rendition":
        event = Event(kind, height=int(_number(raw, "height", where, problems, 0, MAX_HEIGHT)),
                      bitrate=int(_number(raw, "bitrate", where, problems, 0, MAX_BITRATE, required=False)),
                      codec=codec_family(_text(raw, "codec", where, problems)))
    elif kind == "error":
        fatal = raw.get("fatal")
        if not isinstance(fatal, bool):
            problems.append(f"{where}: `fatal` must be true or false.")
        event = Event(kind, fatal=fatal is True, error_type=_text(raw, "error_type", where, problems),
                      details=_text(raw, "details", where, problems))
    elif kind == "seek":
        _number(raw, "from_s", where, problems, 0, 1e7, required=False)
        _number(raw, "to_s", where, problems, 0, 1e7, required=False)
        event = Event(kind)
    else:  # watched
        event = Event(kind, seconds=_number(raw, "seconds", where, problems, 0, MAX_WATCHED_PER_BATCH),
                      height=int(_number(raw, "height", where, problems, 0, MAX_HEIGHT, required=False)),
                      codec=codec_family(_text(raw, "codec", where, problems)))
    return event if len(problems) == before else None


def parse_batch(body: Any) -> PlaybackBatch:
    """The batch a player sent, validated; FieldErrors naming every problem otherwise."""
    if not isinstance(body, dict):
        raise InvalidInput("A playback batch is a JSON object with view_id, video_id, seq and events.")
    problems: dict[str, list[str]] = {}
    view_id = body.get("view_id")
    if not isinstance(view_id, str) or not VIEW_ID.fullmatch(view_id):
        problems["view_id"] = ["8 to 64 letters, digits, '-' or '_' (an opaque id the player draws per view)."]
    video_id = body.get("video_id")
    if isinstance(video_id, bool) or not isinstance(video_id, int) or not 0 < video_id < 2**31:
        problems["video_id"] = ["The id of the film played (a positive whole number)."]
    seq = body.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= MAX_SEQ:
        problems["seq"] = [f"The batch's number within its view: a whole number from 0 to {MAX_SEQ}."]
    raw_events = body.get("events")
    events: list[Event] = []
    if not isinstance(raw_events, list) or not raw_events:
        problems["events"] = ["A non-empty list of events."]
    elif len(raw_events) > MAX_EVENTS:
        problems["events"] = [f"At most {MAX_EVENTS} events per batch, got {len(raw_events)}; send more often."]
    else:
        event_problems: list[str] = []
        events = [e for i, raw in enumerate(raw_events) if (e := parse_event(raw, i, event_problems))]
        watched = sum(e.seconds for e in events if e.type == "watched")
        if watched > MAX_WATCHED_PER_BATCH:
            event_problems.append(f"at most {MAX_WATCHED_PER_BATCH:g} watched seconds per batch, got {watched:g}.")
        if sum(e.type == "view_start" for e in events) > 1 or sum(e.type == "startup" for e in events) > 1:
            event_problems.append("a view starts once: at most one view_start and one startup per batch.")
        if event_problems:
            problems["events"] = event_problems
    if problems:
        raise FieldErrors(problems)
    return PlaybackBatch(view_id, video_id, seq, browser_family(body.get("browser")), tuple(events))


def to_message(batch: PlaybackBatch, viewer: str, received_at: float) -> str:
    return json.dumps({"v": MESSAGE_VERSION, "view_id": batch.view_id, "video_id": batch.video_id,
                       "seq": batch.seq, "browser": batch.browser, "viewer": viewer,
                       "received_at": round(received_at, 3),
                       "events": [event.to_json() for event in batch.events]}, separators=(",", ":"))


def parse_message(body: str) -> BatchMessage:
    """The queue message back; ValueError when it is not one (the aggregator drops it, logged)."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("v") != MESSAGE_VERSION:
        raise ValueError("not a playback batch message")
    viewer, received_at = data.get("viewer"), data.get("received_at")
    if not isinstance(viewer, str) or not viewer or isinstance(received_at, bool) \
            or not isinstance(received_at, (int, float)):
        raise ValueError("a playback message names its viewer and when it arrived")
    try:
        batch = parse_batch(data)
    except (FieldErrors, InvalidInput) as exc:
        raise ValueError(f"invalid batch: {getattr(exc, 'fields', exc.detail)}") from None
    return BatchMessage(batch, viewer, float(received_at))
