"""Fan-out at feature length: projected time-to-ready and GB-seconds of long 1080p films.

    python -m bench.fanout --simulate [SECONDS ...]     (default: 600 7200 14400)

A film of SECONDS cannot be encoded here whole, so every part of its way to `ready` is
measured on its own, with the code the functions run, and the parts are added up:

- the coordinator, on a generated 1080p film of the full length (a 10 s clip repeated with
  `-c copy`: the real container index of SECONDS): the probe, then `dispatch_fanout` itself:
  poster, plan, the run and its N job rows inserted in PostgreSQL, N messages sent to SQS (a
  moto server on loopback);
- one chunk job (30 s of every rung), one audio part and the storyboard job, by FFmpeg from
  that film, as the chunk worker runs them (bench.jobs.run_job);
- the finish: the N jobs of the run, taken from the queue by the real `ChunkWorker` on N
  threads with encodes simulated (each returns at once what its FFmpeg would record), all
  released together by a barrier so they begin, record and count at the same moment on
  PostgreSQL; the last one writes the playlists of the whole film and publishes it. The run
  checks that the count is exact (each finisher saw a different count, 1 to N), that the
  film was published once (one publish, one `ready`), and that every message delivered a
  second time changes nothing.

Projected time-to-ready, with a worker for every job (`ChunkWorkerMaxConcurrency` >= N) =
hop + probe + coordinator + hop + slowest job (+ its upload) + finish. GB-seconds = memory x
the billed seconds of every invocation, against one process encoding the whole film at the
rate measured on 30 s of the same source (`build_ladder_command`, audio included).
"""
from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any, Iterator

from sqlalchemy import create_engine, func, select

import videoflix.pipeline.fanout.worker as worker_module
from bench.harness import RESULTS_DIR, print_table, ratio
from bench.jobs import Machine, run_job, run_single
from bench.stack import BENCH_SECRET, database_url, redis_url
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import FanoutRun, Video
from videoflix.db.database import Database
from videoflix.db.plain import normalize_database_url
from videoflix.db.session import dispose_engines
from videoflix.domain.hls import AUDIO_RENDITION, SEGMENT_PATTERN
from videoflix.domain.transcode_messages import UploadedObject
from videoflix.pipeline.fanout.chunking import segment_duration
from videoflix.pipeline.fanout.coordinator import dispatch_fanout
from videoflix.pipeline.fanout.output import segment_prefix
from videoflix.pipeline.fanout.plan import AUDIO_JOB, STORYBOARD_JOB, VIDEO_JOB, make_plan
from videoflix.pipeline.fanout.playlists import job_output
from videoflix.pipeline.fanout.state import FanoutState, Finish
from videoflix.pipeline.fanout.worker import ChunkWorker
from videoflix.pipeline.ffmpeg import ffmpeg_executable
from videoflix.pipeline.probe import HEAD_BYTES, probe_media, probe_media_url
from videoflix.services import use_services
from videoflix.settings import Settings
from videoflix_tools.testing.databases import fresh_database
from videoflix_tools.testing.factories import insert_video
from videoflix_tools.testing.local_system import moto_endpoint, provision

TARGET_SECONDS = 90.0  # a 2-hour film ready within 90 s of its upload
TARGET_COST = 1.1  # GB-seconds against one process
TARGET_FILM = 7200
BASE_SECONDS = 10
DEFAULT_FILMS = (600, 7200, 14400)


# ------------------------------------------------------------------ sources
SOURCES = {
    # FFmpeg's busy test pattern at about 3.8 Mb/s, like a camera's 1080p: what the chunk job and
    # the audio part (which reads through the pictures of its range) are measured on.
    "detailed": (["testsrc2=size=1920x1080:rate=25"], ["-crf", "38", "-g", "50"], "128k"),
    # The same container index (a frame every 40 ms, 2 s GOPs, AAC) at a few hundred kb/s, so hours of
    # it fit on disk and in moto's S3: what the coordinator, the storyboard and the finish run on.
    "light": (["testsrc=size=1920x1080:rate=25"], ["-crf", "45", "-g", "50"], "32k"),
}


def long_film(seconds: int, source: str = "light") -> Path:
    """A 1080p25 film of `seconds` with AAC sound, cached in bench/results/clips/: a 10 s clip
    repeated by the concat demuxer without re-encoding."""
    folder = RESULTS_DIR / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    (pattern,), quality, audio_rate = SOURCES[source]
    base = folder / f"{source}_base_{BASE_SECONDS}s_1920x1080.mp4"
    ffmpeg = [ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error"]
    if not base.exists():
        subprocess.run([*ffmpeg, "-f", "lavfi", "-i", f"{pattern}:duration={BASE_SECONDS}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={BASE_SECONDS}",
                        "-c:v", "libx264", "-preset", "ultrafast", *quality, "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-b:a", audio_rate, "-shortest", "-y", str(base)], check=True)
    path = folder / f"{source}_{seconds}s_1920x1080.mp4"
    if not path.exists():
        print(f"making a {seconds} s 1080p film from a {BASE_SECONDS} s clip (cached in {folder}) ...", flush=True)
        listing = folder / f"{source}_{seconds}s.txt"
        listing.write_text(f"file '{base.name}'\n" * math.ceil(seconds / BASE_SECONDS))
        partial = path.with_suffix(".partial.mp4")
        # A frame short of `seconds`: a 4-hour film must stay within MAX_VIDEO_DURATION's 4 hours.
        subprocess.run([*ffmpeg, "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-t", f"{seconds - 0.04:.2f}",
                        "-y", str(partial)], check=True)
        partial.rename(path)
        listing.unlink()
    return path


# ------------------------------------------------------------------ the stack: moto, PostgreSQL, the services
@contextmanager
def simulation_stack(jobs: int) -> Iterator[Any]:
    """Services on a moto server and PostgreSQL (else SQLite), with a connection for every job up to 90."""
    with moto_endpoint() as endpoint, tempfile.TemporaryDirectory(prefix="videoflix-bench-sim-") as folder:
        database = database_url(Path(folder))
        if not database.startswith("sqlite"):
            database = database.replace("_bench", "_bench_fanout") if "_bench" in database else database
            fresh_database(database)
        settings = Settings(environment="test", secret_key=BENCH_SECRET, cookie_secure=False, database_url=database,
                            redis_url=redis_url(), aws_endpoint_url=endpoint)
        services = provision(settings)
        if not database.startswith("sqlite"):
            # On Lambda every worker is a process with its own connection; here threads share one
            # pool, as large as the server allows (PostgreSQL's default limit is 100).
            services.db = Database(create_engine(normalize_database_url(database), pool_size=min(jobs + 2, 90),
                                                 max_overflow=0, pool_timeout=600))
        services.redis.flushdb()
        try:
            yield services
        finally:
            services.db.engine.dispose()
            use_services(None)
            dispose_engines()


# ------------------------------------------------------------------ the coordinator, for real
def coordinate(services: Any, film: Path) -> dict[str, Any]:
    """Upload the film to moto's S3, then probe and dispatch it as the transcoder does (by URL)."""
    settings = services.settings
    video_id = insert_video(services, "processing", size=film.stat().st_size)
    key = f"uploads/{video_id}/f.mp4"
    aws_client("s3", settings).upload_file(str(film), settings.upload_bucket, key)
    url = services.storage.presign_internal_read(settings.upload_bucket, key, 3600)
    started = time.perf_counter()
    head = services.storage.read_head(settings.upload_bucket, key, HEAD_BYTES)
    probe = probe_media_url(url, head, settings.max_video_duration)
    probed = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-coordinator-") as work:
        dispatch_fanout(services, services.storage, video_id, UploadedObject(settings.upload_bucket, key), probe, url,
                        Path(work), lambda: 600.0)
    dispatched = time.perf_counter()
    return {"video_id": video_id, "probe": probe, "probe_s": probed - started, "dispatch_s": dispatched - probed}


# ------------------------------------------------------------------ every job at once, encodes simulated
def simulated_output(plan: Any, kind: str, index: int, run_id: int) -> dict[str, Any]:
    """What the job's FFmpeg would record: its segments, at the rung's cap x 0.6 in bytes."""
    seconds = float(segment_duration(plan.rate, plan.ladder_settings))
    prefix = segment_prefix(run_id)

    def segments(first: int, count: int, kbps: int) -> list[tuple[str, float, int]]:
        return [(prefix + SEGMENT_PATTERN % n, seconds, int(kbps * 125 * seconds * 0.6))
                for n in range(first, first + count)]
    if kind == VIDEO_JOB:
        chunk = plan.chunks[index]
        return job_output({r.name: ("avc1.640028", segments(chunk.first_segment, chunk.segment_count,
                                                            r.rung.max_video_kbps)) for r in plan.rungs})
    if kind == AUDIO_JOB:
        part = plan.audio_parts[index]
        total = math.ceil(plan.probe.duration / seconds)
        count = part.segment_count if part.segment_count is not None else total - part.first_segment
        return job_output({AUDIO_RENDITION: ("mp4a.40.2", segments(part.first_segment, count, plan.audio_kbps))})
    return {"storyboard": None}


def run_together(services: Any, video_id: int) -> dict[str, Any]:
    """Every job of the video's run through the real worker at once; timings and the checks."""


    sqs, url = aws_client("sqs", services.settings), queue_url(services.settings, services.settings.chunk_queue_name)
    with services.db.session() as session:
        jobs = session.scalar(select(FanoutRun.jobs_total).where(FanoutRun.video_id == video_id))
    records: list[dict[str, Any]] = []
    while len(records) < jobs:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"],
                                       WaitTimeSeconds=1).get("Messages", [])
        records += [{"body": m["Body"], "attributes": m.get("Attributes", {})} for m in received]
    lock = threading.Lock()
    seen: dict[str, list] = {"finished": [], "claims": [], "publish": [], "begun": []}
    released = threading.Event()
    barrier = threading.Barrier(len(records), action=lambda: seen.__setitem__("released_at", time.perf_counter()))

    class CountingState(FanoutState):
        def finish_job(self, context, output, seconds):
            result = super().finish_job(context, output, seconds)
            with lock:
                seen["finished"].append((result, time.perf_counter()))
            return result

        def claim_finalize(self, run_id):
            won = super().claim_finalize(run_id)
            with lock:
                seen["claims"].append(won)
            return won

    class SimulatedEncodes(ChunkWorker):
        """The real worker, with FFmpeg and the segment uploads replaced by what they would record."""
        def __init__(self) -> None:
            super().__init__(services)
            self.state = CountingState(services.db, self.settings.transcode_time_budget)

        def _encode_and_upload(self, context):
            return self._simulate(context)

        def _storyboard(self, context):
            return self._simulate(context)

        @staticmethod
        def _simulate(context):
            with lock:
                seen["begun"].append(time.perf_counter())
            if not released.is_set():
                barrier.wait(timeout=900)
            return simulated_output(context.plan, context.kind, context.chunk_index, context.run_id)

    real_publish = worker_module.publish_run

    def timed_publish(*args, **kwargs):
        started = time.perf_counter()
        published = real_publish(*args, **kwargs)
        with lock:
            seen["publish"].append((started, time.perf_counter(), published))
        return published

    worker = SimulatedEncodes()
    worker_module.publish_run = timed_publish
    try:
        started = time.perf_counter()
        threads = [threading.Thread(target=worker.handle_record, args=(r,)) for r in records]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        ended = time.perf_counter()
        released.set()
        # SQS delivers at least once: every message again, after the film was published.
        redelivered = [threading.Thread(target=worker.handle_record, args=(r,)) for r in records]
        for thread in redelivered:
            thread.start()
        for thread in redelivered:
            thread.join()
    finally:
        worker_module.publish_run = real_publish
    with services.db.session() as session:
        status = session.scalar(select(Video.status).where(Video.id == video_id))
        runs_left = session.scalar(select(func.count()).select_from(FanoutRun).where(FanoutRun.video_id == video_id))
    recorded = sorted(r.done for r, _ in seen["finished"] if r.outcome is Finish.RECORDED)
    release = seen.get("released_at", started)
    (publish_start, publish_end, published), = seen["publish"] or [(0.0, 0.0, False)]
    master = aws_client("s3", services.settings).list_objects_v2(
        Bucket=services.settings.media_bucket, Prefix=f"videos/{video_id}/master.m3u8")["KeyCount"]
    checks = {"count exact (1..N, each once)": recorded == list(range(1, jobs + 1)),
              "published once": len(seen["publish"]) == 1 and published and seen["claims"].count(True) == 1,
              "film ready, run dropped": status == "ready" and runs_left == 0 and master == 1,
              "second deliveries changed nothing": len(recorded) == jobs and len(seen["publish"]) == 1}
    return {"jobs": jobs, "begin_wave_s": release - started,
            "finish_wave_s": max(t for _, t in seen["finished"]) - release,
            "publish_s": publish_end - publish_start, "ready_after_release_s": publish_end - release,
            "all_threads_s": ended - started, "checks": checks}


# ------------------------------------------------------------------ the encodes, side by side
def measure_encodes(args: Any) -> dict[str, Any]:
    """One process's whole ladder on 30 s against a 30 s chunk job, in alternation, and an audio part."""
    settings = Settings(ffmpeg_preset=args.preset)
    clip, film = long_film(30, "detailed"), long_film(2 * settings.fanout_audio_part_seconds, "detailed")
    probe = probe_media(str(film), settings.max_video_duration)
    plan = make_plan(settings, "bench", film.name, probe, None)
    chunk, part = len(plan.chunks) // 2, (len(plan.audio_parts) - 1) // 2  # a whole part, from its middle
    single, chunks, audio, megabytes = [], [], [], 0.0
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-sim-encodes-") as folder:
        work = Path(folder)
        for round_number in range(args.rounds):
            print(f"\nround {round_number + 1}/{args.rounds}: the whole ladder in one process on 30 s, then chunk "
                  f"{chunk} of a {probe.duration:.0f} s film, then its audio part {part} ...", flush=True)
            (work / f"single{round_number}").mkdir()
            single.append(run_single(clip, work / f"single{round_number}", settings, Machine(0, None))["wall_s"])
            output, wall, _ = run_job(film, plan, VIDEO_JOB, chunk, work / f"chunk{round_number}", Machine(0, probe), 0)
            chunks.append(wall)
            megabytes = sum(size for r in output["renditions"].values() for _, _, size in r["segments"]) / 1e6
            audio.append(run_job(film, plan, AUDIO_JOB, part, work / f"audio{round_number}", Machine(0, probe), 0)[1])
    upload = megabytes / args.upload_mb_per_s
    return {"single_30s_s": single, "chunk_s": chunks, "audio_part_s": audio, "chunk_mb": megabytes,
            "single_per_second": median(single) / 30, "chunk": median(chunks), "chunk_upload_s": upload,
            "audio_part": median(audio), "audio_part_seconds": settings.fanout_audio_part_seconds}


# ------------------------------------------------------------------ one film
def simulate(seconds: int, args: Any) -> dict[str, Any]:
    settings = Settings(ffmpeg_preset=args.preset)
    film = long_film(seconds)
    probe = probe_media(str(film), settings.max_video_duration)
    plan = make_plan(settings, "bench", film.name, probe, None)
    jobs = len(plan.jobs())
    print(f"\n{_film(seconds)} film: {len(plan.chunks)} chunks, {len(plan.audio_parts)} audio parts, the storyboard: "
          f"{jobs} jobs", flush=True)
    with simulation_stack(jobs) as services, contextlib.redirect_stdout(io.StringIO()):  # the metrics' EMF lines
        print_now("  coordinator (probe by URL, poster, plan, rows, messages) ...")
        coordinator = coordinate(services, film)
        print_now(f"  all {jobs} jobs through the worker at once on {_database_kind(services)} ...")
        together = run_together(services, coordinator["video_id"])
    print("  storyboard job ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-sim-storyboard-") as folder:
        storyboard = run_job(film, plan, STORYBOARD_JOB, 0, Path(folder) / "storyboard", Machine(0, probe), 0)[1]
    return {"seconds": seconds, "plan": {"chunks": len(plan.chunks), "audio_parts": len(plan.audio_parts),
                                         "jobs": jobs},
            "coordinator": {k: v for k, v in coordinator.items() if k.endswith("_s")}, "storyboard_s": storyboard,
            "together": together}


def print_now(text: str) -> None:
    """Progress on the terminal while stdout is redirected."""
    sys.__stdout__.write(text + "\n")
    sys.__stdout__.flush()


def _database_kind(services: Any) -> str:
    return "SQLite" if services.settings.database_url.startswith("sqlite") else "PostgreSQL"


def project(result: dict[str, Any], encodes: dict[str, Any], args: Any) -> dict[str, Any]:
    """Time-to-ready and GB-seconds from the measured parts."""
    seconds, plan = result["seconds"], result["plan"]
    chunk = encodes["chunk"] + encodes["chunk_upload_s"]
    # The last part is the shortest; the others run FANOUT_AUDIO_PART_SECONDS.
    audio_share = min(1.0, seconds / encodes["audio_part_seconds"])
    slowest_name, slowest = max((("chunk job", chunk), ("audio part", encodes["audio_part"] * audio_share),
                                 ("storyboard job", result["storyboard_s"])), key=lambda item: item[1])
    coordinator = result["coordinator"]["probe_s"] + result["coordinator"]["dispatch_s"]
    finish = result["together"]["ready_after_release_s"]
    ready = 2 * args.hop_seconds + coordinator + slowest + finish
    waves = math.ceil(plan["jobs"] / args.concurrency)
    gb = args.memory_mb / 1024
    audio_parts = seconds / encodes["audio_part_seconds"]  # in full parts' worth
    fanout_gbs = gb * (coordinator + plan["chunks"] * chunk + audio_parts * encodes["audio_part"]
                       + result["storyboard_s"] + finish)
    # One process: the ladder at its measured rate, its probe, and the same segment bytes uploaded.
    single_gbs = gb * (encodes["single_per_second"] * seconds + result["coordinator"]["probe_s"]
                       + plan["chunks"] * encodes["chunk_upload_s"])
    return {"ready_s": ready, "real_time_x": seconds / ready, "slowest_job": slowest_name, "slowest_s": slowest,
            "coordinator_s": coordinator, "finish_s": finish,
            "ready_at_default_concurrency_s": ready + (waves - 1) * slowest, "waves_at_default_concurrency": waves,
            "gb_seconds": fanout_gbs, "single_gb_seconds": single_gbs, "cost_ratio": ratio(fanout_gbs, single_gbs)}


def run(films: list[int], args: Any) -> dict[str, Any]:
    logging.getLogger("videoflix").setLevel(logging.WARNING)
    encodes = measure_encodes(args)
    results = [simulate(seconds, args) for seconds in films]
    for result in results:
        result["projected"] = project(result, encodes, args)
    print_table(f"Encodes, side by side ({args.rounds} rounds, medians; this machine: {os.cpu_count()} CPUs, the "
                "2 vCPUs of a 3,538 MB worker)", ["what", "seconds", "per second of film", "rounds"],
                [["one process, whole ladder with audio, 30 s", encodes["single_per_second"] * 30,
                  encodes["single_per_second"], " / ".join(f"{v:.1f}" for v in encodes["single_30s_s"])],
                 ["chunk job, 30 s, video of 3 rungs", encodes["chunk"], encodes["chunk"] / 30,
                  " / ".join(f"{v:.1f}" for v in encodes["chunk_s"])],
                 [f"audio part, {encodes['audio_part_seconds']} s", encodes["audio_part"],
                  encodes["audio_part"] / encodes["audio_part_seconds"],
                  " / ".join(f"{v:.1f}" for v in encodes["audio_part_s"])]])
    print_table("What grows with the film, measured on its full length (PostgreSQL, moto S3 and SQS on loopback)",
                ["film", "jobs", "probe s", "coordinator s", "storyboard s", "all begin s", "all record s",
                 "publish s"],
                [[_film(r["seconds"]), r["plan"]["jobs"], r["coordinator"]["probe_s"], r["coordinator"]["dispatch_s"],
                  r["storyboard_s"], r["together"]["begin_wave_s"], r["together"]["finish_wave_s"],
                  r["together"]["publish_s"]] for r in results])
    print_table(f"Projected, a worker per job ({args.hop_seconds:g} s per queue hop and cold start, segments "
                f"uploaded at {args.upload_mb_per_s:g} MB/s, {args.memory_mb} MB)",
                ["film", "ready s", "x real time", "slowest job", f"ready s at {args.concurrency} workers",
                 "GB-s", "GB-s one process", "GB-s ratio"],
                [[_film(r["seconds"]), p["ready_s"], f"{p['real_time_x']:.0f}x", p["slowest_job"],
                  p["ready_at_default_concurrency_s"], p["gb_seconds"], p["single_gb_seconds"],
                  f"{p['cost_ratio']:.2f}x"] for r in results for p in [r["projected"]]])
    for result in results:
        checks = result["together"]["checks"]
        print(f"{_film(result['seconds'])}: " + ", ".join(f"{name}: {'yes' if ok else 'NO'}"
                                                       for name, ok in checks.items()))
    target = next((r for r in results if r["seconds"] == TARGET_FILM), None)
    met = None
    if target is not None:
        p = target["projected"]
        met = (p["ready_s"] <= TARGET_SECONDS and p["cost_ratio"] <= TARGET_COST
               and all(target["together"]["checks"].values()))
        print(f"\ntarget: a 2-hour film ready <= {TARGET_SECONDS:.0f} s (>= 80x real time) at <= {TARGET_COST}x the "
              f"GB-s of one process: {p['ready_s']:.1f} s ({p['real_time_x']:.0f}x), {p['cost_ratio']:.2f}x -> "
              f"{'met' if met else 'NOT met'}")
    budget = next((r for r in results if r["seconds"] >= 14400), None)
    if budget is not None:
        longest = max(encodes["chunk"], encodes["audio_part"], budget["storyboard_s"])
        print(f"4-hour film: longest job {longest:.1f} s and coordinator {budget['projected']['coordinator_s']:.1f} s "
              f"against the 840 s time budget of one invocation")
    return {"films": results, "encodes": encodes, "target_met": met,
            "hop_seconds": args.hop_seconds, "upload_mb_per_s": args.upload_mb_per_s, "memory_mb": args.memory_mb,
            "concurrency": args.concurrency, "cpus": os.cpu_count()}


def _film(seconds: int) -> str:
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"
