"""The jobs the fan-out benchmarks time: the one-process ladder and a fan-out job, as the functions run them.

`bench.fanout` (a clip, in full) and `bench.fanout_simulate` (films of feature length, by parts)
both run them, with exactly the code the functions run, minus S3 and SQS. `Machine` says where
FFmpeg runs: anywhere, or pinned to cores of its own per worker slot.
"""
from __future__ import annotations

import resource
import time
from fractions import Fraction
from pathlib import Path

from videoflix.domain.storyboard import STORYBOARD_FILE, plan_storyboard
from videoflix.pipeline.fanout.commands import build_audio_command, build_chunk_command
from videoflix.pipeline.fanout.output import read_output, segment_prefix
from videoflix.pipeline.fanout.plan import STORYBOARD_JOB, VIDEO_JOB, FanoutPlan
from videoflix.pipeline.fanout.playlists import job_output
from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
from videoflix.pipeline.ladder import LadderSettings, build_ladder_command, build_thumbnail_command
from videoflix.pipeline.probe import MOV, MediaProbe, probe_media
from videoflix.pipeline.storyboard_commands import build_storyboard_command
from videoflix.pipeline.storyboard_maker import render_storyboard
from videoflix.settings import Settings

CLIP_RATE = 25  # generate_test_clip's default


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Machine:
    """Where FFmpeg runs: anywhere, or pinned to `per_worker` cores of its own per worker slot."""

    def __init__(self, per_worker: int, probe: MediaProbe | None) -> None:
        self.per_worker = per_worker
        self.known_probe = probe

    def cores(self, slot: int) -> list[int] | None:
        return list(range(slot * self.per_worker, (slot + 1) * self.per_worker)) if self.per_worker else None

    def run(self, command: list[str], seconds: float, slot: int = 0) -> None:
        cores = self.cores(slot)
        pinned = ["taskset", "-c", ",".join(map(str, cores)), *command] if cores else command
        run_ffmpeg(pinned, duration=seconds, time_budget=None, on_progress=None)

    def probe(self, clip: Path, settings: Settings) -> MediaProbe:
        return self.known_probe or probe_media(str(clip), max_duration=settings.max_video_duration)


def generated_clip_probe(seconds: float, width: int, height: int) -> MediaProbe:
    """What probing the generated clip finds (generate_test_clip: H.264 + AAC in MP4)."""
    return MediaProbe(format_name=MOV, duration=seconds, width=width, height=height, video_stream_index=0,
                      audio_stream_index=1, frame_rate=Fraction(CLIP_RATE), video_codec="h264")


def run_single(clip: Path, work: Path, settings: Settings, machine: Machine) -> dict:
    ffmpeg, ladder = ffmpeg_executable(), LadderSettings(preset=settings.ffmpeg_preset)
    output = work / "single"
    output.mkdir()
    cpu, started = children_cpu(), time.perf_counter()
    probe = machine.probe(clip, settings)
    machine.run(build_ladder_command(ffmpeg, str(clip), probe, str(output), ladder), probe.duration)
    machine.run(build_thumbnail_command(ffmpeg, str(clip), probe, str(output / "thumbnail.jpg")), 1.0)
    storyboard = plan_storyboard(probe.picture_duration, probe.display_width, probe.display_height)
    machine.run(build_storyboard_command(ffmpeg, str(clip), probe, storyboard, str(output / STORYBOARD_FILE)),
                probe.duration)
    wall = time.perf_counter() - started
    segments = {rung.name: len(list(rung.glob("*.ts"))) for rung in output.iterdir() if rung.is_dir()}
    return {"wall_s": wall, "cpu_s": children_cpu() - cpu, "segments": segments, "probe": probe}


def run_job(clip: Path, plan: FanoutPlan, kind: str, index: int, folder: Path, machine: Machine,
            slot: int) -> tuple[dict, float, float]:
    """One job as the chunk worker runs it, reading the local clip instead of a presigned URL:
    (output, wall s, CPU s); the CPU figure is the job's own only when jobs run one at a time."""
    folder.mkdir(parents=True)
    ffmpeg, ladder, prefix = ffmpeg_executable(), plan.ladder_settings, segment_prefix(1)
    cpu, started = children_cpu(), time.perf_counter()
    if kind == VIDEO_JOB:
        chunk = plan.chunks[index]
        command = build_chunk_command(ffmpeg, str(clip), plan.probe, chunk, str(folder), ladder, prefix)
        seconds = float(chunk.seconds(plan.rate, plan.total_frames))
        most = chunk.segment_count if chunk.frame_count is not None else None
    elif kind == STORYBOARD_JOB:  # the job's own code (not pinned: it may run PyAV in this process)
        layout = render_storyboard(str(clip), plan.probe, folder, time_budget=900)
        return {"storyboard": layout.to_json()}, time.perf_counter() - started, children_cpu() - cpu
    else:
        command = build_audio_command(ffmpeg, str(clip), plan.probe, str(folder), ladder, plan.audio_kbps, prefix,
                                      plan.audio_parts[index])
        seconds, most = plan.probe.duration, None
    machine.run(command, seconds, slot)
    return job_output(read_output(folder, most)), time.perf_counter() - started, children_cpu() - cpu
