"""`make load`: a bounded load on the dev stack, on loopback only.

Starts `videoflix dev` (what `make dev` runs) on free 127.0.0.1 ports against PostgreSQL and
Redis, creates and logs in N users, seeds one ready video (a Video row plus small playlist,
segment and poster objects in the media bucket), then has each user loop over the video
list, a rendition playlist and a token refresh until the duration or the request budget is
spent. Prints requests/s, p50/p99 latency per endpoint and the error count; exits 1 when
any request failed.

    python -m bench.load [--users 50] [--duration 60] [--max-requests 200000]

`--scenario viewers` measures playback insights instead (issue 24): N simulated viewers (default
1,000) each send a playback-event batch every 10 s for a minute, time-compressed by
`--compress` (default 10: every viewer's 6 batches go out 1 s apart, so 6,000 batches in about 6 s
of schedule, as fast as the stack takes them); then it waits for the dev stack's queue pump and the
insights aggregator to fold them and compares the staff's insights with what was sent. Exits 1 on
any refused batch, on totals that differ by anything, or when the queue is not drained within
`--max-lag` seconds after the last batch was accepted.

    python -m bench.load --scenario viewers [--viewers 1000] [--compress 10] [--max-lag 120]

Database: a database of its own, `<name>_load`, dropped and created on the server of
LOAD_DATABASE_URL, else TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/videoflix.
Redis: LOAD_REDIS_URL, else the database two below TEST_REDIS_URL's, else
redis://127.0.0.1:6379/13; it is flushed first. `sqlite:///...` and an empty Redis URL run
on the embedded services instead (what the CI smoke test does without TEST_* variables).
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import requests

from videoflix.adapters.aws import aws_client
from videoflix.auth.service import create_user
from videoflix.db.models import Video, VideoStatus
from videoflix.db.database import Database
from videoflix.domain.media_layout import CACHE_CONTROL, CONTENT_TYPES, media_prefix
from videoflix.services import Services
from videoflix.settings import load_settings
from videoflix_tools.dev.launcher import LaunchedStack, launch_dev_stack
from videoflix_tools.dev.stack import free_port
from videoflix_tools.testing.databases import fresh_database, sibling_database_url

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # never anything but loopback
DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/videoflix"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
MAX_DURATION = 600.0
MAX_USERS = 500
REQUEST_TIMEOUT = 10.0
USER_PASSWORD = "load-test-password-1"
SEGMENTS = 10
SEGMENT_SECONDS = 6
# Requests per round of one user: the video list, the 480p playlist, a token refresh.
DEFAULT_MIX = {"video_list": 4, "playlist": 4, "token_refresh": 1}


# -- configuration -------------------------------------------------------------------------
@dataclass
class LoadConfig:
    database_url: str
    redis_url: str
    users: int = 50
    duration: float = 60.0
    max_requests: int = 200_000
    mix: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_MIX))

    def __post_init__(self) -> None:
        if not 1 <= self.users <= MAX_USERS:
            raise ValueError(f"users must be 1..{MAX_USERS}")
        if not 0 < self.duration <= MAX_DURATION:
            raise ValueError(f"duration must be in (0, {MAX_DURATION:.0f}] seconds")
        if self.max_requests < 1:
            raise ValueError("max_requests must be positive")


def default_database_url(environ=os.environ) -> str:
    """`<name>_load` on the server of LOAD_DATABASE_URL, TEST_DATABASE_URL or the local default."""
    base = environ.get("LOAD_DATABASE_URL") or environ.get("TEST_DATABASE_URL") or DEFAULT_DATABASE
    return base if base.startswith("sqlite") else sibling_database_url(base, "_load")


def default_redis_url(environ=os.environ) -> str:
    if environ.get("LOAD_REDIS_URL"):
        return environ["LOAD_REDIS_URL"]
    test = environ.get("TEST_REDIS_URL")
    if test:
        base, _, number = test.rpartition("/")
        return f"{base}/{max(int(number or 0) - 2, 0)}"
    return DEFAULT_REDIS


def flush_redis(url: str) -> None:
    if url:
        import redis

        redis.Redis.from_url(url).flushdb()


# -- the stack -------------------------------------------------------------------------------

@dataclass
class RunningStack(LaunchedStack):
    aws_endpoint: str = ""


def start_stack(folder: Path, database_url: str, redis_url: str) -> RunningStack:
    """`videoflix dev` on free loopback ports, no player, no sample film; returns once healthy."""
    port, aws_port = free_port(HOST), free_port(HOST)
    environ = {**os.environ, "VIDEOFLIX_ENV": "dev", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "AWS_ENDPOINT_URL": "", "BCRYPT_ROUNDS": "4", "PYTHONUNBUFFERED": "1",
               "ADMIN_EMAIL": "", "ADMIN_PASSWORD": ""}
    # cwd is the scratch folder, so a developer's .env is not read.
    launched = launch_dev_stack(folder, port, environ, ["--aws-port", str(aws_port), "--player-port", "0",
                                                        "--no-seed"], host=HOST, timeout=90)
    return RunningStack(launched.api, launched.process, launched.log_path, f"http://{HOST}:{aws_port}")


# -- seeding ---------------------------------------------------------------------------------
def seed_settings(database_url: str, aws_endpoint: str):
    """Settings to reach the stack's database and (embedded) S3 from this process."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    return load_settings({"VIDEOFLIX_ENV": "dev", "DATABASE_URL": database_url,
                          "AWS_ENDPOINT_URL": aws_endpoint, "BCRYPT_ROUNDS": "4"})


def rendition_playlist(segments: int = SEGMENTS, seconds: int = SEGMENT_SECONDS) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", f"#EXT-X-TARGETDURATION:{seconds}", "#EXT-X-MEDIA-SEQUENCE:0",
             "#EXT-X-PLAYLIST-TYPE:VOD"]
    for number in range(segments):
        lines += [f"#EXTINF:{seconds:.6f},", f"segment_{number:03d}.ts"]
    return "\n".join(lines + ["#EXT-X-ENDLIST", ""])


MASTER_PLAYLIST = ("#EXTM3U\n#EXT-X-VERSION:3\n"
                   "#EXT-X-STREAM-INF:BANDWIDTH=1200000,AVERAGE-BANDWIDTH=1000000,RESOLUTION=854x480\n"
                   "480p/index.m3u8\n")


def seed_ready_video(settings, title: str = "Load test film", segments: int = SEGMENTS) -> int:
    """A ready 480p video: its row, a master and rendition playlist, segments and a poster."""


    db = Database.from_url(settings.database_url)
    with db.session() as session:
        video = Video(title=title, description="Seeded for load and API tests.", category="Tests",
                      filename="seed.mp4", size=1, content_type="video/mp4", status=VideoStatus.READY,
                      progress=100, renditions=["480p"], attempts=1, duration=float(segments * SEGMENT_SECONDS),
                      width=854, height=480, source_key=f"uploads/seed-{uuid.uuid4().hex}/seed.mp4",
                      ready_at=datetime.now(timezone.utc))
        session.add(video)
        session.flush()
        video_id = video.id
        prefix = media_prefix(video_id)
        video.thumbnail_key = f"{prefix}thumbnail.jpg"
    s3 = aws_client("s3", settings)
    objects = {"master.m3u8": MASTER_PLAYLIST.encode(), "480p/index.m3u8": rendition_playlist(segments).encode(),
               "thumbnail.jpg": b"\xff\xd8\xff\xd9"}
    objects.update({f"480p/segment_{n:03d}.ts": b"\x47" + bytes(187) for n in range(segments)})
    for name, body in objects.items():
        suffix = name[name.rfind("."):]
        s3.put_object(Bucket=settings.media_bucket, Key=prefix + name, Body=body,
                      ContentType=CONTENT_TYPES[suffix], CacheControl=CACHE_CONTROL[suffix])
    return video_id


def create_users(settings, count: int) -> list[str]:
    """Active users straight in the database (registration is rate limited per client address)."""
    services = Services(settings=settings, db=Database.from_url(settings.database_url))
    emails = [f"load-user-{number:03d}@videoflix.local" for number in range(count)]
    for email in emails:
        create_user(services, email, USER_PASSWORD)
    return emails


def log_in(api: str, email: str, password: str = USER_PASSWORD) -> requests.Session:
    session = requests.Session()
    answer = session.post(f"{api}/api/login/", json={"email": email, "password": password},
                          timeout=REQUEST_TIMEOUT)
    if answer.status_code != 200:
        raise RuntimeError(f"login of {email} failed: {answer.status_code} {answer.text[:200]}")
    return session


# -- the load --------------------------------------------------------------------------------
@dataclass
class EndpointFigures:
    name: str
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    rate: float


@dataclass
class LoadReport:
    duration: float
    users: int
    endpoints: list[EndpointFigures]
    error_samples: list[str]

    @property
    def requests(self) -> int:
        return sum(e.requests for e in self.endpoints)

    @property
    def errors(self) -> int:
        return sum(e.errors for e in self.endpoints)

    def table(self) -> str:
        lines = [f"{'endpoint':<16}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"]
        for e in self.endpoints:
            lines.append(f"{e.name:<16}{e.requests:>10}{e.rate:>10.1f}{e.p50_ms:>10.1f}{e.p99_ms:>10.1f}"
                         f"{e.errors:>8}")
        lines.append(f"{'total':<16}{self.requests:>10}{self.requests / self.duration:>10.1f}"
                     f"{'':>20}{self.errors:>8}")
        lines.append(f"{self.users} users, {self.duration:.1f} s, loopback only; errors: {self.errors}")
        lines += [f"  e.g. {sample}" for sample in self.error_samples[:5]]
        return "\n".join(lines)


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = max(math.ceil(fraction * len(sorted_values)) - 1, 0)
    return sorted_values[index]


class _Budget:
    """The shared request budget: every worker takes one ticket per request."""
    def __init__(self, total: int, deadline: float) -> None:
        self._left = total
        self._lock = threading.Lock()
        self.deadline = deadline

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def _worker(session: requests.Session, paths: dict[str, str], plan: list[str], budget: _Budget,
            results: list[tuple[str, float, bool]], samples: list[str]) -> None:
    step = 0
    while budget.take():
        name = plan[step % len(plan)]
        step += 1
        method = "POST" if name == "token_refresh" else "GET"
        started = time.perf_counter()
        try:
            answer = session.request(method, paths[name], timeout=REQUEST_TIMEOUT, allow_redirects=False)
            ok = answer.status_code == 200
            problem = "" if ok else f"{name}: {answer.status_code} {answer.text[:120]}"
        except requests.RequestException as exc:
            ok, problem = False, f"{name}: {type(exc).__name__}: {exc}"[:200]
        results.append((name, time.perf_counter() - started, ok))
        if problem and len(samples) < 20:
            samples.append(problem)


def run_load(api: str, sessions: list[requests.Session], video_id: int, duration: float,
             max_requests: int, mix: dict[str, int] | None = None) -> LoadReport:
    """Each session in its own thread, over the mix, until `duration` or `max_requests` is reached."""
    mix = mix or DEFAULT_MIX
    paths = {"video_list": f"{api}/api/video/", "playlist": f"{api}/api/video/{video_id}/480p/index.m3u8",
             "token_refresh": f"{api}/api/token/refresh/"}
    plan = [name for name, weight in mix.items() for _ in range(weight)]
    started = time.monotonic()
    budget = _Budget(max_requests, started + duration)
    results: list[list[tuple[str, float, bool]]] = [[] for _ in sessions]
    samples: list[str] = []
    threads = [threading.Thread(target=_worker, daemon=True, name=f"load-user-{n}",
                                args=(session, paths, plan[n % len(plan):] + plan[:n % len(plan)], budget,
                                      results[n], samples))
               for n, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + REQUEST_TIMEOUT + 30)
    elapsed = time.monotonic() - started
    merged = [item for chunk in results for item in chunk]
    figures = []
    for name in mix:
        latencies = sorted(seconds * 1000 for endpoint, seconds, _ in merged if endpoint == name)
        errors = sum(1 for endpoint, _, ok in merged if endpoint == name and not ok)
        figures.append(EndpointFigures(name, len(latencies), errors, percentile(latencies, 0.50),
                                       percentile(latencies, 0.99), len(latencies) / elapsed))
    return LoadReport(elapsed, len(sessions), figures, samples)


def load_test(config: LoadConfig, folder: Path, out=print) -> LoadReport:
    """The whole run: fresh database and Redis, stack, users, video, load; the stack is stopped after."""
    database_url = fresh_database(config.database_url)
    flush_redis(config.redis_url)
    out(f"Starting the dev stack (database {database_url}, Redis {config.redis_url or 'embedded'})...")
    stack = start_stack(folder, database_url, config.redis_url)
    try:
        settings = seed_settings(database_url, stack.aws_endpoint)
        video_id = seed_ready_video(settings)
        emails = create_users(settings, config.users)
        sessions = [log_in(stack.api, email) for email in emails]
        for session in sessions[:1]:  # warm every endpoint once, outside the measurement
            for path in ("/api/video/", f"/api/video/{video_id}/480p/index.m3u8"):
                session.get(f"{stack.api}{path}", timeout=REQUEST_TIMEOUT).raise_for_status()
        out(f"{len(sessions)} users logged in, video {video_id} ready; load for {config.duration:g} s "
            f"(at most {config.max_requests} requests) on {stack.api}")
        return run_load(stack.api, sessions, video_id, config.duration, config.max_requests, config.mix)
    except BaseException:
        out(stack.log_tail())
        raise
    finally:
        stack.stop()


# -- the viewers scenario: playback insights ---------------------------------------------------------
VIEWER_BATCHES = 6           # a batch every 10 s for a minute
VIEWER_BATCH_SECONDS = 10.0  # seconds of play each batch reports
MAX_VIEWERS = 5000
SEND_THREADS = 8      # viewers in flight at once: the dev stack's one process also runs the aggregator
SEND_ATTEMPTS = 3     # a batch that got no answer is sent again as it was, as the player does (counted once)
VIEWER_TIMEOUT = 30.0


@dataclass
class ViewersConfig:
    database_url: str
    redis_url: str
    viewers: int = 1000
    compress: float = 10.0
    max_lag: float = 120.0

    def __post_init__(self) -> None:
        if not 1 <= self.viewers <= MAX_VIEWERS:
            raise ValueError(f"viewers must be 1..{MAX_VIEWERS}")
        if not 1 <= self.compress <= 1000:
            raise ValueError("compress must be 1..1000 (1: real time)")


def viewer_batch(video_id: int, viewer: int, seq: int) -> dict:
    """What viewer `viewer` sends as its batch `seq`: a start, one stall in five viewers, a failure in fifty."""
    events: list[dict] = [{"type": "watched", "seconds": VIEWER_BATCH_SECONDS, "height": 480, "codec": "avc1.64001e"}]
    if seq == 0:
        events = [{"type": "view_start"}, {"type": "startup", "ms": 200 + viewer % 800},
                  {"type": "rendition", "height": 480, "bitrate": 1_000_000, "codec": "avc1.64001e"}, *events]
    if seq == 2 and viewer % 5 == 0:
        events.append({"type": "stall", "ms": 500})
    if seq == VIEWER_BATCHES - 1 and viewer % 50 == 0:
        events.append({"type": "error", "fatal": True, "error_type": "networkError", "details": "fragLoadError"})
    return {"view_id": f"bench-view-{viewer:06d}", "video_id": video_id, "seq": seq, "browser": "chrome",
            "events": events}


def expected_totals(batches: list[dict]) -> dict[str, float]:
    """The insights the accepted batches must add up to, counted from the batches themselves."""
    events = [event for batch in batches for event in batch["events"]]
    views = {batch["view_id"] for batch in batches if any(e["type"] == "view_start" for e in batch["events"])}
    return {"views": len(views), "unique_viewers": len(views), "startups": sum(e["type"] == "startup" for e in events),
            "watched_seconds": round(sum(e.get("seconds", 0) for e in events if e["type"] == "watched"), 3),
            "stalls": sum(e["type"] == "stall" for e in events),
            "stalled_seconds": round(sum(e["ms"] for e in events if e["type"] == "stall") / 1000, 3),
            "failed_views": sum(e["type"] == "error" and e["fatal"] for e in events)}


@dataclass
class ViewersReport:
    viewers: int
    batches_sent: int
    refused: int
    retried: int
    send_seconds: float
    lag_seconds: float | None
    latencies_ms: list[float]
    expected: dict[str, float]
    got: dict[str, float]
    samples: list[str]

    @property
    def exact(self) -> bool:
        return all(self.got.get(name) == value for name, value in self.expected.items())

    def table(self) -> str:
        latencies = sorted(self.latencies_ms)
        lines = [f"{self.viewers} viewers x {VIEWER_BATCHES} batches: {self.batches_sent} sent in "
                 f"{self.send_seconds:.1f} s ({self.batches_sent / self.send_seconds:.0f} batches/s), "
                 f"refused {self.refused}, sent again after no answer {self.retried}",
                 f"POST /api/playback/events/ p50 {percentile(latencies, 0.5):.1f} ms, "
                 f"p99 {percentile(latencies, 0.99):.1f} ms",
                 "queue drained and folded " + (f"{self.lag_seconds:.1f} s after the last batch was accepted"
                                                if self.lag_seconds is not None else "NOT within the bound"),
                 f"{'figure':<18}{'sent':>14}{'in the rollups':>16}"]
        for name, value in self.expected.items():
            lines.append(f"{name:<18}{value:>14}{self.got.get(name, '-'):>16}")
        lines.append("totals: " + ("exactly the events sent" if self.exact else "DIFFERENT from the events sent"))
        lines += [f"  e.g. {sample}" for sample in self.samples[:5]]
        return "\n".join(lines)


def send_viewer_batches(api: str, sessions: list[requests.Session], video_id: int, compress: float
                        ) -> tuple[list[dict], int, int, list[float], list[str], float]:
    """Every viewer's batches on the compressed schedule: (accepted batches, refused, sent again, latencies,
    samples, seconds)."""
    interval = VIEWER_BATCH_SECONDS / compress
    accepted: list[dict] = []
    latencies: list[float] = []
    samples: list[str] = []
    refused = retried = 0
    lock = threading.Lock()
    url = f"{api}/api/playback/events/"

    def send(viewer: int, seq: int) -> None:
        nonlocal refused, retried
        body = viewer_batch(video_id, viewer, seq)
        for attempt in range(SEND_ATTEMPTS):
            started = time.perf_counter()
            try:
                answer = sessions[viewer].post(url, json=body, timeout=VIEWER_TIMEOUT)
                status, problem = answer.status_code, f"{answer.status_code} {answer.text[:120]}"
            except requests.RequestException as exc:
                status, problem = 0, f"{type(exc).__name__}: {exc}"[:200]
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if status == 202:
                    accepted.append(body)
                    return
                if len(samples) < 20:
                    samples.append(problem)
                if status not in (0, 429) and status < 500:
                    break  # refused for good
                retried += 1
        with lock:
            refused += 1

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
        for seq in range(VIEWER_BATCHES):
            due = started + seq * interval
            time.sleep(max(0.0, due - time.monotonic()))
            # Each viewer's batch k goes out once its batch k-1 was answered (a player sends in order).
            list(pool.map(lambda viewer: send(viewer, seq), range(len(sessions))))
    return accepted, refused, retried, latencies, samples, time.monotonic() - started


def insights_totals(api: str, staff: requests.Session, video_id: int) -> dict[str, float]:
    answer = staff.get(f"{api}/api/admin/insights/videos/{video_id}/", timeout=REQUEST_TIMEOUT)
    answer.raise_for_status()
    return answer.json()["totals"]


def viewers_test(config: ViewersConfig, folder: Path, out=print) -> ViewersReport:
    """Fresh database and Redis, the stack, N viewers logged in, their batches, then the rollups read back."""
    database_url = fresh_database(config.database_url)
    flush_redis(config.redis_url)
    out(f"Starting the dev stack (database {database_url}, Redis {config.redis_url or 'embedded'})...")
    stack = start_stack(folder, database_url, config.redis_url)
    try:
        settings = seed_settings(database_url, stack.aws_endpoint)
        video_id = seed_ready_video(settings)
        emails = create_users(settings, config.viewers)
        services = Services(settings=settings, db=Database.from_url(settings.database_url))
        create_user(services, "load-staff@videoflix.local", USER_PASSWORD, staff=True)
        staff = log_in(stack.api, "load-staff@videoflix.local")
        with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
            sessions = list(pool.map(lambda email: log_in(stack.api, email), emails))
        out(f"{len(sessions)} viewers logged in; each sends {VIEWER_BATCHES} batches "
            f"{VIEWER_BATCH_SECONDS / config.compress:g} s apart ({VIEWER_BATCH_SECONDS:g} s compressed "
            f"{config.compress:g}x)")
        accepted, refused, retried, latencies, samples, seconds = send_viewer_batches(
            stack.api, sessions, video_id, config.compress)
        expected = expected_totals(accepted)
        sent_at = time.monotonic()
        lag, got = None, {}
        while time.monotonic() - sent_at < config.max_lag:
            got = insights_totals(stack.api, staff, video_id)
            if all(got.get(name) == value for name, value in expected.items()):
                lag = time.monotonic() - sent_at
                break
            time.sleep(0.5)
        got = {name: got.get(name) for name in expected}
        return ViewersReport(len(sessions), len(accepted) + refused, refused, retried, seconds, lag, latencies,
                             expected, got, samples)
    except BaseException:
        out(stack.log_tail())
        raise
    finally:
        stack.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make load", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--scenario", choices=("api", "viewers"), default="api",
                        help="api: the catalog/playlist/refresh mix; viewers: playback insights (issue 24)")
    parser.add_argument("--viewers", type=int, default=1000)
    parser.add_argument("--compress", type=float, default=10.0, help="viewers: time compression (1: real time)")
    parser.add_argument("--max-lag", type=float, default=120.0,
                        help="viewers: seconds the queue may take to be folded after the last batch")
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 50)))
    parser.add_argument("--duration", type=float, default=float(os.environ.get("LOAD_DURATION", 60)),
                        help=f"seconds of load (at most {MAX_DURATION:.0f})")
    parser.add_argument("--max-requests", type=int, default=int(os.environ.get("LOAD_MAX_REQUESTS", 200_000)))
    parser.add_argument("--database-url", default=default_database_url())
    parser.add_argument("--redis-url", default=default_redis_url())
    args = parser.parse_args(argv)
    if args.scenario == "viewers":
        viewers = ViewersConfig(args.database_url, args.redis_url, args.viewers, args.compress, args.max_lag)
        with tempfile.TemporaryDirectory(prefix="videoflix-viewers-") as folder:
            found = viewers_test(viewers, Path(folder))
        print(found.table())
        if found.refused or not found.exact or found.lag_seconds is None:
            print("FAILED")
            return 1
        return 0
    config = LoadConfig(args.database_url, args.redis_url, args.users, args.duration, args.max_requests)
    with tempfile.TemporaryDirectory(prefix="videoflix-load-") as folder:
        report = load_test(config, Path(folder))
    print(report.table())
    if report.errors or not report.requests:
        print(f"FAILED: {report.errors} errors" if report.errors else "FAILED: no request was made")
        return 1
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "layers"))
    sys.exit(main())
