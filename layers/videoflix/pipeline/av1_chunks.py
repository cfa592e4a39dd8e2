"""A long film's AV1 ladder in chunks: the plan, the FFmpeg command of a chunk, the joined playlists. Pure.

A film longer than one AV1 job can encode within TRANSCODE_TIME_BUDGET (or AV1_CHUNK_MIN_DURATION)
gets its AV1 ladder as the H.264 fan-out gets its ladder (pipeline/fanout/): chunks of whole
segments on the same frame grid (fanout/chunking.py), each encoding every rung of its range from
the upload through a presigned URL (`-ss`, `-frames:v`), fMP4 segments numbered on from the chunks
before, timed on the fan-out's timeline (TIMELINE_OFFSET, plus the TS muxer's start delay), so the joined renditions run on without
gap or overlap and start where the H.264 ladder's segments start.

Audio: the AV1 variants carry none; they name the fanned-out film's own audio rendition (AAC in
TS, encoded once in parts joined at whole AAC frames, fanout/commands.py), the one the H.264
variants play, so the two ladders cannot drift apart. A film with sound but no such rendition
(published by the single-process transcoder) is not chunked.

Init segments: every chunk writes its own (`init_c<chunk>_av1-<rung>.mp4`). SVT-AV1 with the same
settings writes the same sequence header (av1C), and with `frag_discont` each fragment carries its
place on the timeline in its own tfdt, where FFmpeg would otherwise put the chunk's start into the
init's edit list; so the chunks' inits are the same bytes and the rendition names the first alone.
Should they ever differ, each run of segments gets its own `EXT-X-MAP` (RFC 8216 allows a MAP per run).
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

from videoflix.domain.hls import (AV1_PREFIX, AV1_SEGMENT_PATTERN, RUNG_PLAYLIST, Segment, VideoVariant,
                                  fmp4_media_playlist)
from videoflix.pipeline.fanout.chunking import Chunk, plan_chunks, segment_duration, total_frames
from videoflix.pipeline.fanout.commands import TIMELINE_OFFSET
from videoflix.pipeline.ladder import (AV1_WORK_MASTER, LadderSettings, PlannedRung, av1_codec_args,
                                       keyframe_interval, ladder_filter, output_frame_rate, plan_ladder, quiet_flags,
                                       source_input, stream_map)
from videoflix.pipeline.probe import MediaProbe

# FFmpeg's MPEG-TS muxer starts every stream this much after the timestamps it is given (its default
# mux delay, 0.7 s, twice): the fanned-out film's TS audio and H.264 segments sit at TIMELINE_OFFSET
# plus this. An fMP4 fragment's tfdt is taken as it is, so the AV1 chunks add it themselves.
TS_START_DELAY = Fraction(14, 10)

# SVT-AV1 at the rung table's presets encodes a 1080p ladder at about this many seconds per second of
# film on the transcoder's 2 vCPUs (bench/encoding.py, docs/encoding.md).
AV1_SECONDS_PER_FILM_SECOND = 1.6


class Busy(RuntimeError):
    """Another worker holds the lease of this AV1 job or chunk: SQS brings the message back later."""


class IncompleteAv1(ValueError):
    """The chunks' recorded output cannot make the AV1 ladder; another try would record the same."""


def longest_single_job(settings) -> float:
    """The longest film, in seconds, whose AV1 ladder one job can encode within the time budget."""
    return settings.transcode_time_budget / AV1_SECONDS_PER_FILM_SECOND


def chunk_threshold(settings) -> float:
    """Films longer than this get their AV1 ladder in chunks."""
    return settings.av1_chunk_min_duration or longest_single_job(settings)


@dataclass(frozen=True)
class Av1ChunkPlan:
    """What every chunk job needs, stored with the AV1 job: facts, never FFmpeg arguments."""
    probe: MediaProbe
    chunks: tuple[Chunk, ...]
    av1_preset: int | None  # AV1_PRESET when the job was queued; None: the rung table's
    # (peak, average) b/s of the film's separate audio rendition the variants name; None: no sound.
    audio: tuple[int, int] | None

    @property
    def ladder_settings(self) -> LadderSettings:
        return LadderSettings(av1_preset=self.av1_preset)

    @property
    def rate(self) -> Fraction:
        return output_frame_rate(self.probe, self.ladder_settings)

    @property
    def rungs(self) -> list[PlannedRung]:
        return plan_ladder(self.probe)

    @property
    def total_frames(self) -> int:
        return total_frames(self.probe.duration, self.rate)

    def rendition_names(self) -> list[str]:
        return [AV1_PREFIX + r.name for r in self.rungs]

    def to_json(self) -> dict[str, Any]:
        probe = asdict(self.probe)
        for name in ("sample_aspect_ratio", "frame_rate"):
            probe[name] = None if probe[name] is None else str(probe[name])
        return {"probe": probe, "chunks": [asdict(c) for c in self.chunks], "av1_preset": self.av1_preset,
                "audio": None if self.audio is None else list(self.audio)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Av1ChunkPlan":
        probe = dict(data["probe"])
        for name in ("sample_aspect_ratio", "frame_rate"):
            probe[name] = None if probe[name] is None else Fraction(probe[name])
        audio = data.get("audio")
        return cls(MediaProbe(**probe), tuple(Chunk(**c) for c in data["chunks"]), data.get("av1_preset"),
                   None if audio is None else (int(audio[0]), int(audio[1])))


def make_plan(settings, probe: MediaProbe, audio: tuple[int, int] | None) -> Av1ChunkPlan:
    preset = None if settings.av1_preset < 0 else settings.av1_preset
    ladder = LadderSettings(av1_preset=preset)
    chunks = plan_chunks(probe.duration, output_frame_rate(probe, ladder), settings.av1_chunk_seconds, ladder)
    return Av1ChunkPlan(probe, tuple(chunks), preset, audio)


def init_name(chunk: Chunk) -> str:
    """The `-hls_fmp4_init_filename` of a chunk: `init_c<chunk>_av1-<rung>.mp4` (with several variants FFmpeg
    wants `%v` in it)."""
    return f"init_c{chunk.index}_%v.mp4"


def build_av1_chunk_command(ffmpeg: str, source: str, plan: Av1ChunkPlan, chunk: Chunk, output_dir: str) -> list[str]:
    """Video only, every rung: `av1-<rung>/segment_<n>.m4s` numbered from the chunk's first segment."""
    if "%" in output_dir:
        raise ValueError("output_dir must not contain '%': FFmpeg expands it in HLS names")
    probe, settings, rate = plan.probe, plan.ladder_settings, plan.rate
    rungs = plan.rungs
    start = chunk.start(rate)
    seek = ["-ss", _seconds(start)] if chunk.first_frame else []
    command = [ffmpeg, *quiet_flags(), "-progress", "pipe:1", *seek, *source_input(source, probe),
               "-filter_complex", ladder_filter(probe, rungs, rate, grid_from_zero=True)]
    for index in range(len(rungs)):
        command += ["-map", f"[v{index}]"]
    command += ["-map_metadata", "-1", "-map_chapters", "-1",
                *av1_codec_args(rungs, str(keyframe_interval(rate, settings)), settings)]
    if chunk.frame_count is not None:
        command += ["-frames:v", str(chunk.frame_count)]
    command += ["-output_ts_offset", _seconds(TIMELINE_OFFSET + TS_START_DELAY + start),
                "-f", "hls", "-hls_time", _seconds(segment_duration(rate, settings)), "-hls_playlist_type", "vod",
                "-hls_flags", "independent_segments", "-hls_segment_type", "fmp4",
                # Each fragment's decode time (tfdt) where it is on the timeline, not from 0; so the
                # init segments hold no chunk's start and are the same bytes (test_av1_chunks.py).
                "-hls_segment_options", "movflags=+frag_discont",
                "-hls_fmp4_init_filename", init_name(chunk),
                "-hls_segment_filename", os.path.join(output_dir, "%v", AV1_SEGMENT_PATTERN),
                "-start_number", str(chunk.first_segment),
                "-master_pl_name", AV1_WORK_MASTER,
                "-var_stream_map", stream_map(rungs, has_audio=False, prefix=AV1_PREFIX),
                "-y", os.path.join(output_dir, "%v", RUNG_PLAYLIST)]
    return command


def chunk_output(renditions: dict[str, tuple[str, str, str, list[tuple[str, float, int]]]]) -> dict[str, Any]:
    """What a chunk records, per rendition: CODECS, its init segment and that init's digest, and
    (name, seconds, bytes) per segment."""
    return {"renditions": {name: {"codecs": codecs, "init": init, "init_sha256": digest,
                                  "segments": [list(s) for s in segments]}
                           for name, (codecs, init, digest, segments) in renditions.items()}}


def assemble(plan: Av1ChunkPlan, outputs: list[tuple[int, dict[str, Any] | None]]
             ) -> tuple[list[VideoVariant], dict[str, str]]:
    """(the variants, {relative path: rendition playlist}) joined from every chunk's output, in order:
    one init segment per rendition where every chunk's is the same bytes, else one per chunk."""
    if [index for index, _ in outputs] != [chunk.index for chunk in plan.chunks] or any(o is None for _, o in outputs):
        raise IncompleteAv1("the chunks did not all record their output")
    variants, playlists = [], {}
    for planned in plan.rungs:
        name = AV1_PREFIX + planned.name
        recorded = [(output or {}).get("renditions", {}).get(name) for _, output in outputs]
        if any(r is None for r in recorded):
            raise IncompleteAv1(f"a chunk recorded no {name} output")
        same_init = len({r["init_sha256"] for r in recorded}) == 1
        parts = [(recorded[0]["init"] if same_init else r["init"],
                  tuple(Segment(str(n), float(s), int(b)) for n, s, b in r["segments"])) for r in recorded]
        segments = tuple(s for _, run in parts for s in run)
        if not segments:
            raise IncompleteAv1(f"{name} has no segments")
        variants.append(VideoVariant(name, planned.width, planned.height, plan.rate, recorded[0]["codecs"], segments))
        playlists[f"{name}/{RUNG_PLAYLIST}"] = fmp4_media_playlist(parts)
    if len({len(v.segments) for v in variants}) != 1:
        raise IncompleteAv1("the rungs have different numbers of segments")
    return variants, playlists


def _seconds(value: Fraction | int) -> str:
    return f"{float(value):.6f}"
