"""Writing HLS playlists from recorded segments (the fan-out's finish): pure, no I/O.

Chunk workers each see a piece of a rendition, so the rendition playlists and the master
playlist are written once at the end from what the chunks recorded: every segment's
name, duration (as FFmpeg measured it) and size.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

AUDIO_RENDITION = "audio"  # the folder and the catalog's rendition name of the separate audio
AUDIO_GROUP = "audio"
PLAYLIST_VERSION = 6  # EXT-X-INDEPENDENT-SEGMENTS, as FFmpeg writes it
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


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
                     f'AUTOSELECT=YES,CHANNELS="{audio.channels}",URI="{AUDIO_RENDITION}/index.m3u8"')
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
        lines += ["", "#EXT-X-STREAM-INF:" + ",".join(attributes), f"{variant.name}/index.m3u8"]
    return "\n".join(lines) + "\n"
