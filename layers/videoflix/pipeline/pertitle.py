"""Per-title caps: short test encodes choose how far below today's rate each rung of a film may go.

Once per film, before its real encode (the single-process transcode, or the fan-out
coordinator, which stores the result in the run's plan so every chunk uses it), a sample of
the film (a few short excerpts spread over it; a short film whole) is encoded per rung at
the rung's CRF under each candidate cap, a share of the rung's target bitrate of the fixed
ladder, highest first. Each trial is scored with VMAF against the sample scaled to the rung.
A rung gets the lowest cap whose score stays within `tolerance` points of the best one, and
the candidates stop at the first one that falls further: content whose picture does not
get better with bits (noise, grain) ends at a low cap, content that needs them keeps them.

Pure parts (the windows, the choice, the argument lists) are plain functions; `choose_caps`
runs FFmpeg. See docs/encoding.md.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Callable

from videoflix.pipeline import ffmpeg as ffmpeg_process
from videoflix.pipeline.ffmpeg import FFmpegFailed, TimeBudgetExceeded
from videoflix.pipeline.ladder import (LadderSettings, PlannedRung, keyframe_interval, output_frame_rate, plan_ladder,
                                       quiet_flags, rate_text, source_input, video_codec_args)
from videoflix.pipeline.probe import MediaProbe
from videoflix.settings import Settings

log = logging.getLogger("videoflix.pertitle")

CANDIDATE_PERCENTS = (100, 85, 70, 60, 50, 40)  # of a rung's target bitrate in the fixed ladder, highest first
VMAF_MODEL = "vmaf_v0.6.1"


@dataclass(frozen=True)
class PerTitleSettings:
    enabled: bool = True
    sample_seconds: float = 8.0  # all excerpts together
    excerpts: int = 3
    tolerance: float = 1.5  # VMAF points below today's encode of the sample a cheaper cap may lose
    candidates: tuple[int, ...] = CANDIDATE_PERCENTS
    vmaf_subsample: int = 1  # score every n-th frame (1: all; 2 misjudged heavy noise)
    time_share: float = 0.25  # of the time left: past it the trial stops and the rungs keep the top candidate


def sample_windows(duration: float, sample_seconds: float, excerpts: int) -> list[tuple[float, float]]:
    """(start, seconds) of the excerpts: centred in equal parts of the film; a short film whole.

    A film not at least twice the sample's length is taken whole: excerpts would overlap or
    cover most of it anyway.
    """
    if duration <= 0:
        raise ValueError("the film has no duration")
    if excerpts < 1 or sample_seconds <= 0 or duration < 2 * sample_seconds:
        return [(0.0, duration)]
    length = sample_seconds / excerpts
    return [(round(duration * (2 * i + 1) / (2 * excerpts) - length / 2, 3), round(length, 3))
            for i in range(excerpts)]


def choose_percent(scores: dict[int, float], reference: float, tolerance: float) -> int:
    """The lowest cap (percent) whose VMAF is within `tolerance` of today's; the highest tried if none is."""
    if not scores:
        raise ValueError("no trial scores")
    passing = [percent for percent, score in scores.items() if score >= reference - tolerance]
    return min(passing) if passing else max(scores)


def keeps_trying(score: float, reference: float, tolerance: float) -> bool:
    """Whether a lower candidate is worth encoding: not once one fell out of tolerance."""
    return score >= reference - tolerance


def sample_inputs(source: str, probe: MediaProbe, windows: list[tuple[float, float]]) -> list[str]:
    args: list[str] = []
    for start, seconds in windows:
        args += (["-ss", f"{start:.3f}"] if start > 0 else []) + ["-t", f"{seconds:.3f}", *source_input(source, probe)]
    return args


def sample_filter(probe: MediaProbe, windows: list[tuple[float, float]], rate: Fraction, label: str,
                  first_input: int = 0) -> str:
    """The excerpts at the ladder's frame rate, joined into `[label]`."""
    parts = [f"[{first_input + i}:{probe.video_stream_index}]fps={rate_text(rate)},format=yuv420p,"
             f"setpts=PTS-STARTPTS[x{i}]" for i in range(len(windows))]
    joined = "".join(f"[x{i}]" for i in range(len(windows)))
    parts.append(f"{joined}concat=n={len(windows)}:v=1:a=0[{label}]" if len(windows) > 1 else "")
    graph = ";".join(p for p in parts if p)
    return graph if len(windows) > 1 else graph.replace("[x0]", f"[{label}]")


@dataclass(frozen=True)
class Trial:
    """One rung of the sample encoded one way: at `percent` of its target under CRF, or today's (None)."""
    rung: PlannedRung
    percent: int | None

    @property
    def file_name(self) -> str:
        return f"{self.rung.name}-{'today' if self.percent is None else self.percent}"

    def settings(self, settings: LadderSettings) -> LadderSettings:
        if self.percent is None:
            return replace(settings, rate_control="fixed", rung_caps=())
        return replace(settings, rate_control="capped_crf", rung_caps=((self.rung.name, self.percent),))


def build_trial_command(ffmpeg: str, source: str, probe: MediaProbe, windows: list[tuple[float, float]],
                        trials: list[Trial], settings: LadderSettings, output_dir: str) -> list[str]:
    """The sample decoded once and encoded once per trial, like the ladder would: `<trial>.ts`.

    MPEG-TS as the ladder's segments: its 90 kHz clock keeps every frame's time exact (a
    millisecond clock would round 1001/30000 down and pair frames one off in VMAF)."""
    rate = output_frame_rate(probe, settings)
    gop = str(keyframe_interval(rate, settings))
    branches = "".join(f"[s{i}]" for i in range(len(trials)))
    graph = [sample_filter(probe, windows, rate, "sample"), f"[sample]split={len(trials)}{branches}"]
    graph += [f"[s{i}]scale={t.rung.width}:{t.rung.height},setsar=1[v{i}]" for i, t in enumerate(trials)]
    command = [ffmpeg, *quiet_flags(), *sample_inputs(source, probe, windows), "-filter_complex", ";".join(graph)]
    for index, trial in enumerate(trials):  # one output per trial, its only stream is v:0
        command += ["-map", f"[v{index}]", *video_codec_args([trial.rung], gop, trial.settings(settings)),
                    "-an", "-f", "mpegts", "-y", os.path.join(output_dir, f"{trial.file_name}.ts")]
    return command


def build_vmaf_command(ffmpeg: str, source: str, probe: MediaProbe, windows: list[tuple[float, float]],
                       trials: list[Trial], trial_dir: str, settings: LadderSettings, subsample: int,
                       threads: int) -> list[str]:
    """VMAF of every trial's `<trial>.ts` against the sample scaled to its rung: `<trial>.json`."""
    rate = output_frame_rate(probe, settings)
    first = len(trials)
    command = [ffmpeg, *quiet_flags()]
    for trial in trials:
        command += ["-f", "mpegts", "-i", os.path.join(trial_dir, f"{trial.file_name}.ts")]
    command += sample_inputs(source, probe, windows)
    branches = "".join(f"[r{i}]" for i in range(len(trials)))
    graph = [sample_filter(probe, windows, rate, "sample", first_input=first), f"[sample]split={len(trials)}{branches}"]
    for i, trial in enumerate(trials):
        log_path = os.path.join(trial_dir, f"{trial.file_name}.json")
        graph += [f"[r{i}]scale={trial.rung.width}:{trial.rung.height}:flags=bicubic,setsar=1,"
                  f"setpts=PTS-STARTPTS[ref{i}]",
                  f"[{i}:v]setpts=PTS-STARTPTS[dis{i}]",
                  f"[dis{i}][ref{i}]libvmaf=model=version={VMAF_MODEL}:n_threads={threads}:n_subsample={subsample}"
                  f":log_fmt=json:log_path={log_path}:ts_sync_mode=nearest[score{i}]"]
    command += ["-filter_complex", ";".join(graph)]
    for i in range(len(trials)):
        command += ["-map", f"[score{i}]", "-f", "null", "-"]
    return command


def read_vmaf(log_path: Path) -> float:
    return float(json.loads(log_path.read_text())["pooled_metrics"]["vmaf"]["mean"])


def as_settings(caps: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(caps.items()))


def fallback_caps(probe: MediaProbe, per_title: PerTitleSettings) -> dict[str, int]:
    """Without a trial: every rung at the top candidate (today's target bitrate as the cap)."""
    return {p.name: per_title.candidates[0] for p in plan_ladder(probe)}


def choose_caps(ffmpeg: str, source: str, probe: MediaProbe, settings: LadderSettings, per_title: PerTitleSettings,
                work: Path, time_budget: float | None, record: dict | None = None) -> dict[str, int]:
    """Percent of its target bitrate per rung, by trial encodes (`fallback_caps` if disabled or out of time).

    Step one encodes each rung today's way (the fixed target) and at the top candidate; each
    further step the next lower candidate, for the rungs still within tolerance of today's score.
    """

    caps = fallback_caps(probe, per_title)
    if not per_title.enabled or not per_title.candidates:
        return caps
    windows = sample_windows(probe.duration, per_title.sample_seconds, per_title.excerpts)
    seconds = sum(length for _, length in windows)
    threads = min(4, os.cpu_count() or 1)
    today: dict[str, float] = {}
    scores: dict[str, dict[int, float]] = {name: {} for name in caps}
    rungs = plan_ladder(probe)
    steps = [[Trial(p, None) for p in rungs] + [Trial(p, per_title.candidates[0]) for p in rungs]]
    started = time.monotonic()
    try:
        for step, percent in enumerate(per_title.candidates):
            trials = steps[0] if step == 0 else [Trial(p, percent) for p in rungs
                                                 if keeps_trying(scores[p.name][per_title.candidates[step - 1]],
                                                                 today[p.name], per_title.tolerance)]
            rungs = [t.rung for t in trials if t.percent is not None]
            if not trials:
                break
            folder = work / f"trial-{step}"
            folder.mkdir(parents=True, exist_ok=True)
            for command in (build_trial_command(ffmpeg, source, probe, windows, trials, settings, str(folder)),
                            build_vmaf_command(ffmpeg, source, probe, windows, trials, str(folder), settings,
                                               per_title.vmaf_subsample, threads)):
                left = None if time_budget is None else time_budget - (time.monotonic() - started)
                if left is not None and left <= 0:
                    raise TimeBudgetExceeded("the per-title trial ran out of time")
                ffmpeg_process.run_ffmpeg(command, duration=seconds, time_budget=left, on_progress=None)
            for trial in trials:
                score = read_vmaf(folder / f"{trial.file_name}.json")
                if trial.percent is None:
                    today[trial.rung.name] = score
                else:
                    scores[trial.rung.name][trial.percent] = score
    except (TimeBudgetExceeded, FFmpegFailed, OSError, ValueError, KeyError) as exc:
        # The trial only saves bytes: whatever stops it, the film is encoded, each rung at the
        # lowest cap it passed so far (the top candidate if none).
        log.warning("per-title trial stopped after %.0f s (%s: %s)", time.monotonic() - started,
                    type(exc).__name__, exc)
    for name, tried in scores.items():
        if tried and name in today:
            caps[name] = choose_percent(tried, today[name], per_title.tolerance)
    log.info("per-title caps %s from %.1f s of sample in %.1f s (VMAF today %s, trials %s)", caps, seconds,
             time.monotonic() - started, today, scores)
    if record is not None:  # for bench/encoding.py
        record.update(today=today, scores=scores, sample_seconds=seconds)
    return caps


def title_caps(settings: Settings, source: str, probe: MediaProbe, work: Path,
               time_left: Callable[[], float]) -> tuple[tuple[str, int], ...]:
    """The film's caps for `LadderSettings.rung_caps`, from the deployment's settings, within a
    share of the time left (the single-process transcoder and the fan-out coordinator call this)."""

    per_title = PerTitleSettings(enabled=settings.per_title_trials, sample_seconds=settings.per_title_sample_seconds)
    ladder = LadderSettings(preset=settings.ffmpeg_preset)
    folder = work / "per-title"
    folder.mkdir(parents=True, exist_ok=True)
    caps = choose_caps(ffmpeg_process.ffmpeg_executable(), source, probe, ladder, per_title, folder,
                       time_budget=time_left() * per_title.time_share)
    return as_settings(caps)
