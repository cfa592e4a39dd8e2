"""Ladder: the transcoder's one-process HLS ladder against three separate FFmpeg runs.

    python -m bench.ladder [--seconds 30] [--rounds 1] [--preset veryfast]

Both sides encode the same generated 1080p clip with audio, with the same rungs, bitrates,
GOP and segment settings; the baseline simply runs FFmpeg once per rung, so it decodes the
source three times. The single-process side is exactly what the transcoder runs
(`build_ladder_command` + `run_ffmpeg`). Real-time factor (RTF) = encoding wall time ÷ clip
duration: below 1 is faster than real time. CPU seconds are FFmpeg's user + system time,
steadier than wall time on a shared machine.
"""
from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from bench.harness import print_table, ratio, write_result
from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
from videoflix.pipeline.ladder import (RUNG_PLAYLIST, SEGMENT_PATTERN, LadderSettings, build_ladder_command,
                                       keyframe_interval, output_frame_rate, plan_ladder, quiet_flags, rate_text,
                                       safe_input, video_codec_args)
from videoflix.pipeline.probe import MediaProbe, probe_media
from videoflix_tools.clips import generate_test_clip

SINGLE = "single process (split)"
BASELINE = "3 separate runs"


def baseline_commands(ffmpeg: str, source: str, probe: MediaProbe, output_dir: str,
                      settings: LadderSettings) -> list[list[str]]:
    """One FFmpeg run per rung of `plan_ladder`, with the ladder's own input, encoder and HLS settings."""
    rate = output_frame_rate(probe, settings)
    gop = str(keyframe_interval(rate, settings))
    commands = []
    for planned in plan_ladder(probe):
        rung, folder = planned.rung, os.path.join(output_dir, planned.name)
        command = [ffmpeg, *quiet_flags(), "-progress", "pipe:1", *safe_input(source, probe),
                   "-map", f"0:{probe.video_stream_index}",
                   "-vf", f"fps={rate_text(rate)},format=yuv420p,scale={planned.width}:{planned.height},setsar=1"]
        if probe.has_audio:
            command += ["-map", f"0:{probe.audio_stream_index}"]
        command += ["-map_metadata", "-1", "-map_chapters", "-1", *video_codec_args([planned], gop, settings)]
        if probe.has_audio:
            command += ["-c:a", "aac", "-ac", "2", "-ar", str(settings.audio_sample_rate),
                        "-b:a", f"{rung.audio_kbps}k"]
        command += ["-f", "hls", "-hls_time", str(settings.segment_seconds), "-hls_playlist_type", "vod",
                    "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts",
                    "-hls_segment_filename", os.path.join(folder, SEGMENT_PATTERN),
                    "-y", os.path.join(folder, RUNG_PLAYLIST)]
        commands.append(command)
    return commands


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(commands: list[list[str]], duration: float) -> tuple[float, float]:
    """(wall, CPU) seconds of running the commands one after the other."""
    cpu, started = _children_cpu(), time.perf_counter()
    for command in commands:
        run_ffmpeg(command, duration=duration, time_budget=None, on_progress=None)
    return time.perf_counter() - started, _children_cpu() - cpu


def _segments(output_dir: Path) -> dict[str, int]:
    rungs = sorted((p for p in output_dir.iterdir() if p.is_dir()), key=lambda p: int(p.name.rstrip("p")))
    return {rung.name: len(list(rung.glob("*.ts"))) for rung in rungs}


def run(seconds: float, rounds: int, preset: str) -> dict:
    settings = LadderSettings(preset=preset)
    ffmpeg = ffmpeg_executable()
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-ladder-") as folder:
        work = Path(folder)
        clip = work / "source.mp4"
        print(f"generating a {seconds:g} s 1080p clip with audio ...", flush=True)
        generate_test_clip(str(clip), seconds=seconds, width=1920, height=1080, audio=True)
        probe = probe_media(str(clip), max_duration=4 * 3600)
        times: dict[str, list[tuple[float, float]]] = {SINGLE: [], BASELINE: []}
        segments: dict[str, dict[str, int]] = {}
        for round_number in range(rounds):
            # Alternate which side goes first, so a slow spell on the machine hurts both.
            order = (SINGLE, BASELINE) if round_number % 2 == 0 else (BASELINE, SINGLE)
            for side in order:
                output = work / f"{'single' if side == SINGLE else 'baseline'}-{round_number}"
                output.mkdir()
                if side == SINGLE:
                    commands = [build_ladder_command(ffmpeg, str(clip), probe, str(output), settings)]
                else:
                    commands = baseline_commands(ffmpeg, str(clip), probe, str(output), settings)
                    for command in commands:
                        Path(command[-1]).parent.mkdir(parents=True, exist_ok=True)
                print(f"round {round_number + 1}/{rounds}: {side} ...", flush=True)
                times[side].append(_timed(commands, probe.duration))
                segments[side] = _segments(output)
    summary = {}
    for side, samples in times.items():
        wall = min(w for w, _ in samples)
        cpu = min(c for _, c in samples)
        summary[side] = {"wall_s": wall, "cpu_s": cpu, "rtf": wall / probe.duration,
                         "speed_x_realtime": probe.duration / wall, "runs": len(samples),
                         "ffmpeg_processes": 1 if side == SINGLE else len(segments[side]),
                         "segments": segments[side], "all_wall_s": [w for w, _ in samples]}
    wall_ratio = ratio(summary[BASELINE]["wall_s"], summary[SINGLE]["wall_s"])
    cpu_ratio = ratio(summary[BASELINE]["cpu_s"], summary[SINGLE]["cpu_s"])
    rows = [[side, s["ffmpeg_processes"], s["wall_s"], s["cpu_s"], s["rtf"], f"{s['speed_x_realtime']:.2f}x",
             " ".join(f"{k}:{v}" for k, v in s["segments"].items())] for side, s in summary.items()]
    print_table(f"HLS ladder, {probe.duration:.1f} s {probe.width}x{probe.height} clip with audio, x264 {preset}, "
                f"best of {rounds}, {os.cpu_count()} CPUs",
                ["variant", "ffmpeg runs", "wall s", "CPU s", "RTF", "speed", "segments"], rows)
    print(f"\nratio (3 separate runs / single process): wall {wall_ratio:.2f}x, CPU {cpu_ratio:.2f}x")
    if summary[SINGLE]["segments"] != summary[BASELINE]["segments"]:
        print("WARNING: the two variants wrote different rungs or segment counts; the comparison is off")
    return {"clip": {"seconds": probe.duration, "width": probe.width, "height": probe.height,
                     "audio": probe.has_audio}, "preset": preset, "rounds": rounds,
            "variants": summary, "ratio_wall": wall_ratio, "ratio_cpu": cpu_ratio}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="clip length (default 30)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each side; the best counts (default 1)")
    parser.add_argument("--preset", default=LadderSettings().preset, help="x264 preset (default veryfast)")
    args = parser.parse_args(argv)
    write_result("ladder", run(args.seconds, max(1, args.rounds), args.preset))


if __name__ == "__main__":
    main()
