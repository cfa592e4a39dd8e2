"""HLS playlists, read, written and rewritten: pure, no I/O, and light to import (the catalog does).

The names of everything a transcode leaves under `videos/<id>/` live here: the master
playlist, one folder per rendition with its playlist and segments. FFmpeg writes them for a
film encoded in one process; a fanned-out film's playlists are written here at the end, from
what its chunks recorded (every segment's name, duration as FFmpeg measured it, and size);
the catalog rewrites them to point at presigned segment URLs.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Sequence

# The rungs of the ladder, smallest first (their bitrates live in pipeline/ladder.py).
RUNG_NAMES = ("480p", "720p", "1080p")
AUDIO_RENDITION = "audio"  # the folder and the catalog's rendition name of the separate audio
# What the catalog serves: the rungs, and the separate audio of a fanned-out film.
RENDITION_NAMES = (*RUNG_NAMES, AUDIO_RENDITION)
# The AV1 ladder (CMAF: fMP4 segments behind an EXT-X-MAP init segment), the same rungs under a prefix;
# served only once a film's AV1 job has joined them to its master (videoflix.pipeline.av1).
AV1_PREFIX = "av1-"
AV1_RUNG_NAMES = tuple(AV1_PREFIX + name for name in RUNG_NAMES)
AV1_SEGMENT_PATTERN = "segment_%05d.m4s"
AV1_INIT_SEGMENT = "init.mp4"  # FFmpeg makes it init_<n>.mp4, n the variant's index
AUDIO_GROUP = "audio"
MASTER_PLAYLIST = "master.m3u8"
RUNG_PLAYLIST = "index.m3u8"  # in each rendition's folder
SEGMENT_PATTERN = "segment_%05d.ts"  # FFmpeg's; its names match SEGMENT_NAME
SEGMENT_NAME = re.compile(r"^[A-Za-z0-9_-]+\.(ts|m4s|mp4)$")  # .m4s and the .mp4 init: the AV1 ladder
SEGMENT_SECONDS = 6  # the target length of a segment
PLAYLIST_VERSION = 6  # EXT-X-INDEPENDENT-SEGMENTS, as FFmpeg writes it
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
_MEDIA_URI = re.compile(r'(URI=")([^"]*)(")')
_MAP = "#EXT-X-MAP:"
_STREAM_INF = "#EXT-X-STREAM-INF:"


@dataclass(frozen=True)
class Segment:
    name: str
    duration: float
    size: int  # bytes


@dataclass(frozen=True)
class VideoVariant:
    name: str
    width: int
    height: int
    frame_rate: Fraction
    codecs: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class AudioRendition:
    codecs: str
    segments: tuple[Segment, ...]
    channels: int = 2


# -- reading ------------------------------------------------------------------------------------
def parse_media_playlist(text: str) -> list[tuple[str, float]]:
    """(URI, EXTINF duration) of each segment of a media playlist, in order."""
    segments, duration = [], None
    for line in (raw.strip() for raw in text.splitlines()):
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:"):].split(",", 1)[0])
        elif line and not line.startswith("#"):
            if duration is None:
                raise ValueError(f"segment {line!r} has no #EXTINF duration")
            segments.append((line, duration))
            duration = None
    return segments


def variant_codecs(master: str) -> dict[str, str]:
    """The CODECS attribute FFmpeg measured for each variant (`480p/index.m3u8` -> "480p")."""
    codecs, attributes = {}, None
    for line in (raw.strip() for raw in master.splitlines()):
        if line.startswith("#EXT-X-STREAM-INF:"):
            attributes = dict(_ATTRIBUTE.findall(line.split(":", 1)[1]))
        elif line and not line.startswith("#") and attributes is not None:
            codecs[line.split("/", 1)[0]] = attributes.get("CODECS", "").strip('"')
            attributes = None
    return codecs


def playlist_seconds(text: str) -> float:
    """The length of a media playlist: the sum of its segments' durations."""
    return sum(seconds for _, seconds in parse_media_playlist(text))


def is_valid_segment_name(name: str) -> bool:
    return bool(SEGMENT_NAME.fullmatch(name))


def segment_names(playlist: str) -> list[str]:
    """The media segment URIs of a rendition playlist, in order."""
    return [line.strip() for line in playlist.splitlines()
            if line.strip() and not line.startswith("#")]


def map_uris(playlist: str) -> list[str]:
    """The init segments (`#EXT-X-MAP:URI="..."`) of a rendition playlist: an fMP4 rendition's one."""
    return [match.group(2) for line in playlist.splitlines() if line.startswith(_MAP)
            for match in _MEDIA_URI.finditer(line)]


def master_variants(master: str) -> list[str]:
    """The renditions a master playlist lists as variants (`480p/index.m3u8` -> "480p"), in order."""
    return [uri.split("/", 1)[0] for uri in segment_names(master)]


def upload_order(relative: str) -> tuple[bool, bool, str]:
    """Sort key of a transcode's files: segments first, then rendition playlists, the master last,
    so a reader never finds a playlist naming what is not uploaded yet."""
    return relative.endswith(".m3u8"), relative == MASTER_PLAYLIST, relative


# -- writing ------------------------------------------------------------------------------------
def media_playlist(segments: Sequence[Segment]) -> str:
    if not segments:
        raise ValueError("a rendition needs at least one segment")
    # RFC 8216: every EXTINF, rounded to the nearest integer, is at most the target duration.
    target = max(1, max(round(s.duration) for s in segments))
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{PLAYLIST_VERSION}", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for segment in segments:
        lines += [f"#EXTINF:{segment.duration:.6f},", segment.name]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def fmp4_media_playlist(parts: Sequence[tuple[str, Sequence[Segment]]]) -> str:
    """An fMP4 rendition of consecutive runs of segments, each (init segment, its segments): one
    `EXT-X-MAP` before the first segment and another only where the init segment changes (RFC 8216
    4.3.2.5: a MAP applies to every segment after it), so runs sharing one init name it once."""
    segments = [segment for _, run in parts for segment in run]
    if not segments:
        raise ValueError("a rendition needs at least one segment")
    target = max(1, max(round(s.duration) for s in segments))
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{PLAYLIST_VERSION}", f"#EXT-X-TARGETDURATION:{target}",
             "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-INDEPENDENT-SEGMENTS"]
    current = None
    for init, run in parts:
        if run and init != current:
            lines.append(f'{_MAP}URI="{init}"')
            current = init
        for segment in run:
            lines += [f"#EXTINF:{segment.duration:.6f},", segment.name]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def bandwidth(segments: Sequence[Segment]) -> tuple[int, int]:
    """(peak, average) bits per second: the peak is the largest segment bit rate (RFC 8216)."""
    timed = [s for s in segments if s.duration > 0]
    if not timed:
        return 0, 0
    peak = max(s.size * 8 / s.duration for s in timed)
    average = sum(s.size for s in timed) * 8 / sum(s.duration for s in timed)
    return math.ceil(peak), math.ceil(average)


def master_playlist(variants: Sequence[VideoVariant], audio: AudioRendition | None) -> str:
    """Variants smallest first; with `audio`, each names the one audio rendition (EXT-X-MEDIA)."""
    lines = ["#EXTM3U", f"#EXT-X-VERSION:{PLAYLIST_VERSION}", "#EXT-X-INDEPENDENT-SEGMENTS"]
    audio_peak = audio_average = 0
    if audio is not None:
        audio_peak, audio_average = bandwidth(audio.segments)
        lines.append(f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="{AUDIO_GROUP}",NAME="Audio",DEFAULT=YES,'
                     f'AUTOSELECT=YES,CHANNELS="{audio.channels}",URI="{AUDIO_RENDITION}/{RUNG_PLAYLIST}"')
    for variant in variants:
        peak, average = bandwidth(variant.segments)
        codecs = ",".join(c for c in (variant.codecs, audio.codecs if audio else "") if c)
        attributes = [f"BANDWIDTH={peak + audio_peak}", f"AVERAGE-BANDWIDTH={average + audio_average}",
                      f"RESOLUTION={variant.width}x{variant.height}"]
        if codecs:
            attributes.append(f'CODECS="{codecs}"')
        attributes.append(f"FRAME-RATE={float(variant.frame_rate):.3f}")
        if audio is not None:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        lines += ["", "#EXT-X-STREAM-INF:" + ",".join(attributes), f"{variant.name}/{RUNG_PLAYLIST}"]
    return "\n".join(lines) + "\n"


# -- rewriting ----------------------------------------------------------------------------------
def rewrite_playlist(playlist: str, segment_url: Callable[[str], str]) -> str:
    """Replace every segment URI (and an fMP4 rendition's `EXT-X-MAP` init segment URI) by
    `segment_url(uri)`; other tags and comments are kept as they are."""
    def map_uri(match: re.Match) -> str:
        return match.group(1) + segment_url(match.group(2)) + match.group(3)

    out = []
    for line in playlist.splitlines():
        stripped = line.strip()
        if stripped.startswith(_MAP):
            out.append(_MEDIA_URI.sub(map_uri, line))
        else:
            out.append(segment_url(stripped) if stripped and not stripped.startswith("#") else line)
    return "\n".join(out) + "\n"


def rewrite_master(master: str, rendition_url: Callable[[str], str]) -> str:
    """Point each variant (`480p/index.m3u8`) at `rendition_url("480p")`, and each alternative
    rendition (`#EXT-X-MEDIA:...,URI="audio/index.m3u8"`) at `rendition_url("audio")`."""
    def replace(uri: str) -> str:
        return rendition_url(uri.split("/", 1)[0])

    def media_uri(match: re.Match) -> str:
        return match.group(1) + replace(match.group(2)) + match.group(3)

    lines = [_MEDIA_URI.sub(media_uri, line) if line.startswith("#EXT-X-MEDIA:") else line
             for line in master.splitlines()]
    return rewrite_playlist("\n".join(lines), replace)


# -- the AV1 ladder's variants, joined to a film's master ----------------------------------------
# AV1 levels (AV1 spec, annex A.3), the main tier: (seq_level_idx, most luma samples a picture, most
# luma samples a second shown, most kb/s). The level of a rung is the first that holds it.
AV1_LEVELS = (
    (0, 147456, 4423680, 1500), (1, 278784, 8363520, 3000), (4, 665856, 19975680, 6000),
    (5, 1065024, 31950720, 10000), (8, 2359296, 70778880, 12000), (9, 2359296, 141557760, 20000),
    (12, 8912896, 267386880, 30000), (13, 8912896, 534773760, 40000), (14, 8912896, 1069547520, 60000),
)
AAC_LC_CODECS = "mp4a.40.2"


def av1_level(width: int, height: int, frame_rate: Fraction, peak_kbps: int = 0) -> int:
    """The AV1 seq_level_idx of a picture size and rate (what SVT-AV1 signals when the level is left auto)."""
    samples = width * height
    for level, picture, per_second, kbps in AV1_LEVELS:
        if samples <= picture and samples * frame_rate <= per_second and peak_kbps <= kbps:
            return level
    return 31  # no level: unconstrained


def av1_codecs(width: int, height: int, frame_rate: Fraction, peak_kbps: int = 0) -> str:
    """RFC 6381 / AV1-ISOBMFF `av01.<profile>.<level><tier>.<bit depth>`: main profile, main tier, 8 bits."""
    return f"av01.0.{av1_level(width, height, frame_rate, peak_kbps):02d}M.08"


def av1_codecs_signalled(init_segment: bytes) -> str | None:
    """The `av01.P.LLT.DD` an fMP4 init segment's `av1C` box signals (profile, level, tier, bit depth);
    None without one. What the encoder wrote, so CODECS says what a decoder will meet."""
    at = init_segment.find(b"av1C")
    if at < 0 or len(init_segment) < at + 7:
        return None
    profile_level, flags = init_segment[at + 5], init_segment[at + 6]
    depth = 12 if flags & 0x40 and flags & 0x20 else 10 if flags & 0x40 else 8
    return f"av01.{profile_level >> 5}.{profile_level & 0x1F:02d}{'H' if flags & 0x80 else 'M'}.{depth:02d}"


def is_av1_rendition(name: str) -> bool:
    return name.startswith(AV1_PREFIX)


def join_av1_variants(master: str, variants: Sequence[VideoVariant], audio_codecs: str | None,
                      audio_rendition: tuple[int, int] | None = None) -> str:
    """The master with the AV1 `variants` (audio muxed into their segments) after its own variants.

    Any AV1 variant already there is replaced (a job done again writes the same master); with no
    `variants` the master comes back without AV1. BANDWIDTH is the peak segment rate, AVERAGE-BANDWIDTH
    the mean, both measured from the segments (which carry the audio too). With `audio_rendition`
    (its peak and average bits per second), the variants are video only and name the master's own
    audio rendition (`AUDIO="audio"`, a fanned-out film's), its rates added to theirs."""
    lines, skip = [], False
    for line in master.splitlines():
        if skip:
            skip = False
            continue
        if line.startswith(_STREAM_INF) and _is_av1_variant(line):
            skip = True  # and the URI line that follows
            while lines and not lines[-1].strip():
                lines.pop()
            continue
        lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    audio_peak, audio_average = audio_rendition or (0, 0)
    for variant in variants:
        peak, average = bandwidth(variant.segments)
        codecs = ",".join(c for c in (variant.codecs, audio_codecs) if c)
        attributes = [f"BANDWIDTH={peak + audio_peak}", f"AVERAGE-BANDWIDTH={average + audio_average}",
                      f"RESOLUTION={variant.width}x{variant.height}", f'CODECS="{codecs}"',
                      f"FRAME-RATE={float(variant.frame_rate):.3f}"]
        if audio_rendition is not None:
            attributes.append(f'AUDIO="{AUDIO_GROUP}"')
        lines += ["", _STREAM_INF + ",".join(attributes), f"{variant.name}/{RUNG_PLAYLIST}"]
    return "\n".join(lines) + "\n"


def _is_av1_variant(stream_inf: str) -> bool:
    attributes = dict(_ATTRIBUTE.findall(stream_inf.split(":", 1)[1]))
    return attributes.get("CODECS", "").strip('"').startswith("av01")


# -- subtitles (captions staff add to a film; served beside the transcode output) ----------------
SUBTITLES_GROUP = "subs"


@dataclass(frozen=True)
class SubtitleTrack:
    lang: str  # a BCP 47 tag
    name: str  # what a player shows
    default: bool
    uri: str  # the subtitle media playlist


def _quoted_string(value: str) -> str:
    """An RFC 8216 quoted-string holds no double quote, CR or LF."""
    return "".join(" " if ch in '"\r\n' or ord(ch) < 32 else ch for ch in value)


def add_subtitles(master: str, tracks: Sequence[SubtitleTrack]) -> str:
    """One `EXT-X-MEDIA:TYPE=SUBTITLES` line per track (before the first variant, after any other
    EXT-X-MEDIA), and `SUBTITLES="subs"` on every variant. No tracks: the master as it is."""
    if not tracks:
        return master
    defaults = [track for track in tracks if track.default][:1]  # at most one DEFAULT=YES in a group
    media = [f'#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="{SUBTITLES_GROUP}",NAME="{_quoted_string(t.name)}",'
             f'LANGUAGE="{_quoted_string(t.lang)}",DEFAULT={"YES" if t in defaults else "NO"},AUTOSELECT=YES,'
             f'URI="{_quoted_string(t.uri)}"' for t in tracks]
    lines = master.splitlines()
    first_variant = next((i for i, line in enumerate(lines) if line.startswith(_STREAM_INF)), len(lines))
    last_media = max((i for i, line in enumerate(lines[:first_variant]) if line.startswith("#EXT-X-MEDIA:")),
                     default=None)
    at = last_media + 1 if last_media is not None else first_variant
    while at > 0 and at == first_variant and not lines[at - 1].strip():
        at -= 1  # before the blank line that sets the first variant apart
    out = []
    for line in lines[:at] + media + lines[at:]:
        if line.startswith(_STREAM_INF) and "SUBTITLES=" not in line:
            line = f'{line.rstrip()},SUBTITLES="{SUBTITLES_GROUP}"'
        out.append(line)
    return "\n".join(out) + "\n"


def subtitle_playlist(duration: float, vtt_url: str) -> str:
    """A subtitle media playlist of one WebVTT segment that spans the whole film."""
    seconds = max(duration, 0.001)
    return "\n".join(["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{max(1, math.ceil(seconds))}",
                      "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", f"#EXTINF:{seconds:.3f},",
                      vtt_url, "#EXT-X-ENDLIST"]) + "\n"
