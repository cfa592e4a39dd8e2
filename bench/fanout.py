"""Fan-out: time-to-ready of a long film, the single-process ladder against chunks in parallel.

    python -m bench.fanout [--seconds 120] [--chunk-seconds 30] [--workers 2] [--preset veryfast]
                           [--memory-mb 3538] [--hop-seconds 2] [--cores-per-worker 0] [--no-probe]

One generated 1080p clip with audio (cached in bench/results/clips/) is transcoded three ways,
each with exactly the code the functions run, minus S3 and SQS:

- single: probe, the one-process ladder (`build_ladder_command`), the poster, the storyboard;
- fan-out, measured: the coordinator's part (probe, poster, `make_plan`), then every job of
  the run (`build_chunk_command` per chunk, `build_audio_command`, `build_storyboard_command`)
  on `--workers` threads, one
  FFmpeg each, then the finish (`assemble_playlists`, playlists written);
- fan-out, each job alone: the same jobs one after the other, each with the whole machine.

Projected time-to-ready with one worker per job = coordination + the slowest job alone +
finish: what Lambda gives when every chunk gets an instance of its own with as many vCPUs as
this machine has cores (3,538 MB = 2 vCPUs). `--hop-seconds` adds a queue hop and cold start
for a second, more cautious projection. Cost in Lambda GB-seconds = memory x billed seconds:
the single transcode bills its wall time once, the fan-out bills coordination + every job alone +
the finish. Results: bench/results/fanout.json.

On a machine with more cores, `--cores-per-worker 2` pins every FFmpeg (taskset) to cores of
its own: the single run and each job alone get 2, and each of `--workers` parallel workers
its own 2, like Lambda instances of 3,538 MB; with `--workers` = the number of jobs, the
one-worker-per-job time is then measured rather than projected. `--no-probe` describes the
generated clip from the parameters it was made with, for a machine without PyAV.
"""
from __future__ import annotations

import argparse
import os
import queue
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import fanout_simulate
from bench.fanout_simulate import DEFAULT_FILMS
from bench.harness import RESULTS_DIR, print_table, ratio, write_result
from bench.jobs import Machine, children_cpu, generated_clip_probe, run_job, run_single
from videoflix.pipeline.fanout.plan import FanoutPlan, make_plan
from videoflix.pipeline.fanout.playlists import assemble_playlists
from videoflix.pipeline.ffmpeg import ffmpeg_executable
from videoflix.pipeline.ladder import build_thumbnail_command
from videoflix.settings import Settings
from videoflix_tools.clips import generate_test_clip

GOAL_SHARE = 0.7  # projected speed-up >= 0.7 x the number of chunks


def clip_path(seconds: float, width: int, height: int) -> Path:
    """The clip, made once: FFmpeg's test pattern at 1080p costs a while to generate."""
    path = RESULTS_DIR / "clips" / f"fanout_{seconds:g}s_{width}x{height}.mp4"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating a {seconds:g} s {width}x{height} clip with audio (cached in {path.parent}) ...",
              flush=True)
        partial = path.with_suffix(".partial.mp4")
        generate_test_clip(str(partial), seconds=seconds, width=width, height=height, audio=True)
        partial.rename(path)
    return path


def coordinate(clip: Path, work: Path, settings: Settings, machine: Machine) -> tuple[FanoutPlan, float]:
    """What the transcoder does before queueing the jobs (minus the download): probe, poster, plan."""
    started = time.perf_counter()
    probe = machine.probe(clip, settings)
    machine.run(build_thumbnail_command(ffmpeg_executable(), str(clip), probe, str(work / "thumbnail.jpg")), 1.0)
    plan = make_plan(settings, "bench", clip.name, probe, "thumbnail.jpg")
    return plan, time.perf_counter() - started


def finish(plan: FanoutPlan, outputs: list[tuple[str, int, dict]], folder: Path) -> float:
    started = time.perf_counter()
    files, _ = assemble_playlists(plan, outputs)
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return time.perf_counter() - started


def run_fanout(clip: Path, work: Path, settings: Settings, workers: int, name: str, machine: Machine) -> dict:
    folder = work / name
    folder.mkdir()
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(workers):
        slots.put(slot)

    def worker(job: tuple[str, int]) -> tuple[dict, float, float]:
        slot = slots.get()  # a worker slot, with its own cores when pinned
        try:
            return run_job(clip, plan, job[0], job[1], folder / f"{job[0]}{job[1]}", machine, slot)
        finally:
            slots.put(slot)

    cpu, started = children_cpu(), time.perf_counter()
    plan, coordination = coordinate(clip, folder, settings, machine)
    jobs = plan.jobs()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(worker, jobs))
    outputs = [(kind, index, output) for (kind, index), (output, _, _) in zip(jobs, done)]
    finishing = finish(plan, outputs, folder / "published")
    wall = time.perf_counter() - started
    segments: dict[str, int] = {}
    for _, _, output in outputs:
        for rendition, recorded in output.get("renditions", {}).items():
            segments[rendition] = segments.get(rendition, 0) + len(recorded["segments"])
    job_seconds = {f"{kind} {index}": seconds for (kind, index), (_, seconds, _) in zip(jobs, done)}
    job_cpu = {f"{kind} {index}": cpu_s for (kind, index), (_, _, cpu_s) in zip(jobs, done)}
    return {"wall_s": wall, "cpu_s": children_cpu() - cpu, "coordination_s": coordination,
            "finish_s": finishing, "jobs_s": job_seconds, "jobs_cpu_s": job_cpu, "chunks": len(plan.chunks),
            "workers": workers,
            "segments": segments}


def run(seconds: float, chunk_seconds: int, workers: int, preset: str, memory_mb: int, hop_seconds: float,
        cores_per_worker: int = 0, probe: bool = True) -> dict:
    if cores_per_worker and workers * cores_per_worker > (os.cpu_count() or 1):
        raise SystemExit(f"{workers} workers x {cores_per_worker} cores need more than {os.cpu_count()} CPUs")
    settings = Settings(ffmpeg_preset=preset, fanout_chunk_seconds=chunk_seconds)
    clip = clip_path(seconds, 1920, 1080)
    machine = Machine(cores_per_worker, None if probe else generated_clip_probe(seconds, 1920, 1080))
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-fanout-") as folder:
        work = Path(folder)
        print("single process ...", flush=True)
        single = run_single(clip, work, settings, machine)
        print(f"fan-out with {workers} workers ...", flush=True)
        measured = run_fanout(clip, work, settings, workers, "measured", machine)
        print("fan-out, each job alone ...", flush=True)
        alone = run_fanout(clip, work, settings, 1, "alone", machine)
    probe = single.pop("probe")
    chunks = alone["chunks"]
    slowest = max(alone["jobs_s"].values())
    projected = alone["coordination_s"] + slowest + alone["finish_s"]
    projected_hop = projected + hop_seconds
    gb = memory_mb / 1024
    single_gbs = gb * single["wall_s"]
    fanout_gbs = gb * (alone["coordination_s"] + sum(alone["jobs_s"].values()) + alone["finish_s"])
    speedup, speedup_hop = ratio(single["wall_s"], projected), ratio(single["wall_s"], projected_hop)
    goal = GOAL_SHARE * chunks
    rows = [
        ["single process", 1, single["wall_s"], single["cpu_s"], 1.0, single_gbs],
        [f"fan-out, {workers} workers (measured)", workers, measured["wall_s"], measured["cpu_s"],
         ratio(single["wall_s"], measured["wall_s"]), None],
        ["fan-out, 1 worker per job (projected)", len(alone["jobs_s"]), projected, alone["cpu_s"], speedup,
         fanout_gbs],
        [f"  + {hop_seconds:g} s queue hop and cold start", len(alone["jobs_s"]), projected_hop, None, speedup_hop,
         None],
    ]
    pinning = f", {cores_per_worker} cores pinned per worker" if cores_per_worker else ""
    print_table(f"Fan-out, {probe.duration:.0f} s {probe.width}x{probe.height} clip with audio, x264 {preset}, "
                f"{chunks} chunks of {chunk_seconds} s + audio, {os.cpu_count()} CPUs{pinning}",
                ["variant", "workers", "wall s", "CPU s", "speed-up", f"GB-s at {memory_mb} MB"],
                [[("-" if v is None else v) for v in row] for row in rows])
    print_table("Jobs of the run, each alone (the projection's parts)", ["part", "wall s", "CPU s"],
                [["coordination (probe, poster, plan)", alone["coordination_s"], "-"],
                 *[[job, s, alone["jobs_cpu_s"][job]] for job, s in alone["jobs_s"].items()],
                 ["finish (playlists)", alone["finish_s"], "-"]])
    print(f"\nprojected speed-up {speedup:.2f}x with {chunks} chunks: goal {GOAL_SHARE} x {chunks} = {goal:.1f}x "
          f"-> {'met' if speedup >= goal else 'NOT met'}; with the hop {speedup_hop:.2f}x")
    cpu_ratio = ratio(alone["cpu_s"], single["cpu_s"])
    print(f"measured with {workers} workers: {ratio(single['wall_s'], measured['wall_s']):.2f}x; "
          f"cost fan-out / single: {ratio(fanout_gbs, single_gbs):.2f}x GB-s by wall time, "
          f"{cpu_ratio:.2f}x by CPU time (steadier on a shared machine)")
    return {"clip": {"seconds": probe.duration, "width": probe.width, "height": probe.height, "audio": probe.has_audio},
            "preset": preset, "chunk_seconds": chunk_seconds, "chunks": chunks, "cores_per_worker": cores_per_worker,
            "single": single,
            "fanout_measured": measured, "fanout_alone": alone, "projected_s": projected,
            "projected_with_hop_s": projected_hop, "hop_seconds": hop_seconds, "speedup_projected": speedup,
            "speedup_projected_with_hop": speedup_hop, "speedup_measured": ratio(single["wall_s"], measured["wall_s"]),
            "goal_speedup": goal, "goal_met": speedup >= goal, "memory_mb": memory_mb,
            "gb_seconds": {"single": single_gbs, "fanout": fanout_gbs, "ratio": ratio(fanout_gbs, single_gbs),
                           "ratio_by_cpu": cpu_ratio}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="clip length (default 120)")
    parser.add_argument("--chunk-seconds", type=int, default=Settings().fanout_chunk_seconds,
                        help="FANOUT_CHUNK_SECONDS (default 30)")
    parser.add_argument("--workers", type=int, default=2, help="threads of the measured fan-out (default 2)")
    parser.add_argument("--preset", default=Settings().ffmpeg_preset, help="x264 preset (default veryfast)")
    parser.add_argument("--memory-mb", type=int, default=3538, help="Lambda memory for GB-s (default 3538)")
    parser.add_argument("--hop-seconds", type=float, default=2.0,
                        help="queue hop and cold start added to the cautious projection (default 2)")
    parser.add_argument("--cores-per-worker", type=int, default=0,
                        help="pin each worker's FFmpeg to this many cores of its own (default 0: no pinning)")
    parser.add_argument("--no-probe", action="store_true",
                        help="describe the generated clip from its parameters instead of probing it with PyAV")
    parser.add_argument("--simulate", type=int, nargs="*", metavar="SECONDS",
                        help="project time-to-ready and GB-s of films this long from measured parts "
                             f"(bench/fanout_simulate.py; no value: {' '.join(map(str, DEFAULT_FILMS))})")
    parser.add_argument("--upload-mb-per-s", type=float, default=50.0,
                        help="--simulate: a worker's upload rate to S3 for its segments (default 50 MB/s)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="--simulate: rounds of the one-process ladder against a chunk job (default 2)")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="--simulate: ChunkWorkerMaxConcurrency for the capped projection (default 50)")
    args = parser.parse_args(argv)
    if args.simulate is not None:
        films = args.simulate or list(DEFAULT_FILMS)
        write_result("fanout_simulate", fanout_simulate.run(films, args), module="fanout")
        return
    write_result("fanout", run(args.seconds, args.chunk_seconds, max(1, args.workers), args.preset, args.memory_mb,
                               args.hop_seconds, max(0, args.cores_per_worker), not args.no_probe))


if __name__ == "__main__":
    main()
