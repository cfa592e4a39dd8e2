"""The plan of a fanned-out transcode: what every job of the run needs, stored as JSON with the run.

Workers rebuild the ladder from the stored probe with the same pure functions the
coordinator used, so the plan holds facts (the source, the probe, the chunks), never
FFmpeg arguments.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from videoflix.domain.hls import AUDIO_RENDITION
from videoflix.pipeline.fanout.chunking import (WHOLE_TRACK, AudioPart, Chunk, plan_audio_parts, plan_chunks,
                                                total_frames)
from videoflix.pipeline.ladder import LadderSettings, PlannedRung, output_frame_rate, plan_ladder
from videoflix.pipeline.probe import MediaProbe
from videoflix.settings import Settings

VIDEO_JOB = "video"
AUDIO_JOB = "audio"
STORYBOARD_JOB = "storyboard"  # the seek previews, made from the whole upload (pipeline/storyboard.py)


def should_fan_out(settings: Settings, duration: float) -> bool:
    return settings.fanout_min_duration > 0 and duration >= settings.fanout_min_duration


@dataclass(frozen=True)
class FanoutPlan:
    source_bucket: str
    source_key: str
    probe: MediaProbe
    preset: str
    chunks: tuple[Chunk, ...]
    thumbnail_key: str | None = None
    # Stored with the run, so every chunk of one film is encoded alike even across a deploy.
    rate_control: str = LadderSettings.rate_control
    # The audio in parts of whole segments, encoded in parallel; one part: the whole track.
    audio_parts: tuple[AudioPart, ...] = (WHOLE_TRACK,)

    @property
    def ladder_settings(self) -> LadderSettings:
        return LadderSettings(preset=self.preset, rate_control=self.rate_control)

    @property
    def rate(self) -> Fraction:
        return output_frame_rate(self.probe, self.ladder_settings)

    @property
    def rungs(self) -> list[PlannedRung]:
        return plan_ladder(self.probe)

    @property
    def total_frames(self) -> int:
        return total_frames(self.probe.duration, self.rate)

    @property
    def audio_kbps(self) -> int | None:
        """One audio rendition for every rung, at the top rung's audio bitrate."""
        return max(r.rung.audio_kbps for r in self.rungs) if self.probe.has_audio else None

    def rendition_names(self) -> list[str]:
        return [r.name for r in self.rungs] + ([AUDIO_RENDITION] if self.probe.has_audio else [])

    def jobs(self) -> list[tuple[str, int]]:
        """(kind, index) of every job of the run: the chunks, then the audio parts, then the storyboard."""
        audio = [(AUDIO_JOB, part.index) for part in self.audio_parts] if self.probe.has_audio else []
        return [(VIDEO_JOB, c.index) for c in self.chunks] + audio + [(STORYBOARD_JOB, 0)]

    def to_json(self) -> dict[str, Any]:
        probe = asdict(self.probe)
        for name in ("sample_aspect_ratio", "frame_rate"):
            probe[name] = None if probe[name] is None else str(probe[name])
        return {"source_bucket": self.source_bucket, "source_key": self.source_key, "probe": probe,
                "preset": self.preset, "chunks": [asdict(c) for c in self.chunks],
                "thumbnail_key": self.thumbnail_key, "rate_control": self.rate_control,
                "audio_parts": [asdict(p) for p in self.audio_parts]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "FanoutPlan":
        probe = dict(data["probe"])
        for name in ("sample_aspect_ratio", "frame_rate"):
            probe[name] = None if probe[name] is None else Fraction(probe[name])
        return cls(source_bucket=data["source_bucket"], source_key=data["source_key"], probe=MediaProbe(**probe),
                   preset=data["preset"], chunks=tuple(Chunk(**c) for c in data["chunks"]),
                   thumbnail_key=data.get("thumbnail_key"),
                   # A plan stored before per-title rates had none: its chunks began at fixed bitrates.
                   rate_control=data.get("rate_control", "fixed"),
                   # "rung_caps" of a plan stored while per-title trials existed (off by default, then
                   # removed) is ignored: the rung table's caps.
                # A plan stored before the audio was split had one audio job: the whole track.
                audio_parts=tuple(AudioPart(**p) for p in data.get("audio_parts") or []) or (WHOLE_TRACK,))


def make_plan(settings: Settings, bucket: str, key: str, probe: MediaProbe,
              thumbnail_key: str | None) -> FanoutPlan:
    ladder = LadderSettings(preset=settings.ffmpeg_preset)
    rate = output_frame_rate(probe, ladder)
    chunks = plan_chunks(probe.duration, rate, settings.fanout_chunk_seconds, ladder)
    # The sound may end before the picture: no part is planned where there is nothing to encode.
    sound = min(probe.duration, probe.sound_duration or probe.duration)
    parts = plan_audio_parts(sound, rate, settings.fanout_audio_part_seconds, ladder)
    return FanoutPlan(bucket, key, probe, settings.ffmpeg_preset, tuple(chunks), thumbnail_key,
                      rate_control=ladder.rate_control, audio_parts=tuple(parts))
