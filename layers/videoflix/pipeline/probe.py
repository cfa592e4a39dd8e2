"""Probing an upload with PyAV before FFmpeg may touch it.

The container is recognised from the file's first bytes against an allow-list (MP4/MOV,
Matroska/WebM) and that demuxer is then forced. Letting FFmpeg guess would accept an HLS
playlist or a concat script renamed `.mp4`, which make it open other local files or URLs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# The container sniffing is the domain's (the staff API checks a file before a retry too).
from videoflix.domain.containers import (ALLOWED_FORMATS, HEAD_BYTES, MATROSKA, MOV,  # noqa: F401 (re-exported)
                                         SUPPORTED_FORMATS_TEXT, describe_unsupported, sniff_container)

FIRST_FRAME_PACKET_LIMIT = 300
# The protocols FFmpeg may use for a presigned URL of each scheme (nested ones included).
URL_PROTOCOLS = {"https": "https,tls,tcp", "http": "http,tcp"}
URL_READ_TIMEOUT = 30.0  # seconds without data before a read through a URL fails


class MediaRejected(Exception):
    """The upload can never be transcoded; `reason` tells the admin what to do about it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class MediaProbe:
    format_name: str  # the demuxer to force: one of ALLOWED_FORMATS
    duration: float  # seconds
    width: int  # coded size of the video stream
    height: int
    video_stream_index: int
    audio_stream_index: int | None = None
    rotation: int = 0  # degrees from the display matrix, a multiple of 90
    sample_aspect_ratio: Fraction = Fraction(1)
    frame_rate: Fraction | None = None
    video_codec: str = ""
    # What the header says of each track's own length (None: it says nothing): a picture may end
    # before the sound, and the encode of the picture is judged against the picture's length.
    video_duration: float | None = None
    audio_duration: float | None = None

    @property
    def has_audio(self) -> bool:
        return self.audio_stream_index is not None

    @property
    def picture_duration(self) -> float:
        """Seconds of picture the source announces: its video track's length, within the film's."""
        return min(self.duration, self.video_duration) if self.video_duration else self.duration

    @property
    def sound_duration(self) -> float | None:
        """Seconds of sound the source announces; None without audio."""
        if not self.has_audio:
            return None
        return min(self.duration, self.audio_duration) if self.audio_duration else self.duration

    @property
    def display_width(self) -> int:
        return self._display_size()[0]

    @property
    def display_height(self) -> int:
        return self._display_size()[1]

    def _display_size(self) -> tuple[int, int]:
        """The size a player shows: non-square pixels stretched, then rotated (as FFmpeg autorotates)."""
        width = round(self.width * self.sample_aspect_ratio) if self.sample_aspect_ratio > 0 else self.width
        if self.rotation % 180 == 90:
            return self.height, width
        return width, self.height


def probe_media(path: str, max_duration: float) -> MediaProbe:
    """Check that `path` is a playable video within the limits; raises MediaRejected otherwise."""
    with open(path, "rb") as source:
        head = source.read(HEAD_BYTES)
    return _probe_container(path, _allowed_format(head), max_duration, protocols=None)


def url_protocols(source: str) -> str | None:
    """The protocols FFmpeg may use to read `source`: None for a local path; ValueError for a
    URL of any scheme but http and https."""
    if "://" not in source:
        return None
    scheme = source.split("://", 1)[0].lower()
    if scheme not in URL_PROTOCOLS:
        raise ValueError(f"unsupported source URL scheme {scheme!r}")
    return URL_PROTOCOLS[scheme]


def probe_media_url(url: str, head: bytes, max_duration: float) -> MediaProbe:
    """The same checks on a source read by ranges through `url` (http or https) without
    downloading it; `head` is its first bytes. Besides MediaRejected, a read that fails on the
    way raises an av error or OSError: then nothing is known about the file."""
    protocols = url_protocols(url)
    if protocols is None:
        raise ValueError(f"no http or https scheme: {url!r} is not a URL")
    return _probe_container(url, _allowed_format(head), max_duration, protocols)


def open_source(source: str, format_name: str):
    """PyAV's container of `source`, a local path or an http(s) URL (as FFmpeg's source_input reads
    it): the probed demuxer forced, only the source's own protocols. Raises an av error, or
    ValueError for a URL of another scheme."""
    return _open(source, format_name, url_protocols(source))


def _open(source: str, format_name: str, protocols: str | None):
    """`protocols` None: a local file (and nothing else); else those, and a read through the URL fails
    after URL_READ_TIMEOUT seconds without data."""
    import av  # heavy native library: only the transcoder pays for importing it

    if protocols is None:
        return av.open(source, format=format_name, options={"protocol_whitelist": "file"})
    return av.open(source, format=format_name, options={"protocol_whitelist": protocols}, timeout=URL_READ_TIMEOUT)


def _allowed_format(head: bytes) -> str:
    if not head:
        raise MediaRejected("The uploaded file is empty. Upload the video file again.")
    format_name = sniff_container(head)
    if format_name is None:
        raise MediaRejected(f"The file is not a video in a supported format: it looks like "
                            f"{describe_unsupported(head)}. Upload an {SUPPORTED_FORMATS_TEXT} video file.")
    return format_name


def _probe_container(source: str, format_name: str, max_duration: float, protocols: str | None) -> MediaProbe:
    import av

    try:
        container = _open(source, format_name, protocols)
    except av.error.FFmpegError as exc:
        raise MediaRejected(f"The video file could not be read ({_short(exc)}). It may be damaged or "
                            "incomplete; upload it again.") from None
    with container:
        video = _main_video_stream(container)
        audio = container.streams.audio[0] if container.streams.audio else None
        first_frame = _first_frame(container, video)
        try:
            duration = _duration(container, video, max_duration)
        except av.error.FFmpegError as exc:
            raise MediaRejected(f"The video file could not be read to its end ({_short(exc)}). It may be "
                                "damaged or incomplete; upload it again.") from None
        if duration > max_duration:
            raise MediaRejected(f"The video is {_hms(duration)} long; the limit is {_hms(max_duration)}. "
                                "Trim it, or raise MAX_VIDEO_DURATION.")
        codec = video.codec_context
        return MediaProbe(
            format_name=format_name, duration=duration, width=codec.width, height=codec.height,
            video_stream_index=video.index, audio_stream_index=audio.index if audio is not None else None,
            rotation=_quarter_turns(first_frame.rotation), sample_aspect_ratio=_aspect(codec.sample_aspect_ratio),
            frame_rate=_frame_rate(video), video_codec=codec.name, video_duration=_stream_seconds(video),
            audio_duration=_stream_seconds(audio) if audio is not None else None)


def _main_video_stream(container):
    import av

    pictures = av.stream.Disposition.attached_pic
    videos = [s for s in container.streams.video if not (s.disposition & pictures)]
    if not videos:
        raise MediaRejected("The file contains no video track (it may be audio only). Upload a video file.")
    video = videos[0]
    if not video.codec_context.width or not video.codec_context.height:
        raise MediaRejected("The video track has no picture size. The file is damaged; export it again.")
    return video


def _first_frame(container, video):
    """Decoding one frame proves the codec is supported and the data is not garbage."""
    import av

    try:
        for count, packet in enumerate(container.demux(video)):
            for frame in packet.decode():
                return frame
            if count >= FIRST_FRAME_PACKET_LIMIT:
                break
    except av.error.FFmpegError as exc:
        raise MediaRejected(f"The video track ({video.codec_context.name}) could not be decoded "
                            f"({_short(exc)}). Re-encode the file to H.264 and upload it again.") from None
    raise MediaRejected(f"No picture could be decoded from the video track ({video.codec_context.name}). "
                        "The file is damaged or empty; export it again.")


def _duration(container, video, max_duration: float) -> float:
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    # Live recordings (browser WebM) carry no duration: read the remaining packet times, no decoding.
    end = 0.0
    for packet in container.demux(video):
        if packet.pts is not None and packet.time_base:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
            if end > max_duration:
                break
    if end <= 0:
        raise MediaRejected("The video's duration could not be determined. Export the file again "
                            f"as {SUPPORTED_FORMATS_TEXT}.")
    return end


def _stream_seconds(stream) -> float | None:
    """A track's length as its header states it (MP4: the track's duration; Matroska: the DURATION
    tag muxers write), or None."""
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = next((v for k, v in (stream.metadata or {}).items() if k.upper() == "DURATION"), "")
    match = re.fullmatch(r"(\d+):(\d{2}):(\d{2}(?:\.\d+)?)", tag.strip())
    if match is None:
        return None
    seconds = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    return seconds if seconds > 0 else None


def _frame_rate(video) -> Fraction | None:
    for rate in (video.average_rate, video.guessed_rate, video.base_rate):
        if rate and rate > 0:
            return Fraction(rate)
    return None


def _aspect(value) -> Fraction:
    return Fraction(value) if value and value > 0 else Fraction(1)


def _quarter_turns(rotation) -> int:
    """The rotation FFmpeg's autorotate applies to the size; odd angles leave the size alone."""
    degrees = round(float(rotation or 0)) % 360
    return degrees if degrees in (90, 180, 270) else 0


def _hms(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min {int(seconds % 60)} s"


def _short(exc: Exception) -> str:
    """FFmpeg's words for the error, without the temporary path."""
    return (getattr(exc, "strerror", None) or type(exc).__name__)[:200]
