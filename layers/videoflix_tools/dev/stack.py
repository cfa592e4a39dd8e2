"""`make dev`: the whole Videoflix stack in one process tree, with no services installed.

Embedded defaults: moto server for AWS, SQLite for the database, an in-process Redis
(fakeredis over TCP so worker processes share it). Setting AWS_ENDPOINT_URL, DATABASE_URL
or REDIS_URL points the same stack at LocalStack, PostgreSQL or Redis instead. It also
serves the reference player (infra/player) and seeds a sample film into an empty catalog.

The embedded services keep their state in the data folder (`.dev/` by default): the SQLite
database and the S3 objects (`s3/`, videoflix_tools.dev.s3_disk), so films and accounts survive a
restart. Queued messages and the in-process Redis do not; `requeue_interrupted` puts the
videos a restart left `uploaded` or `processing` back on the (new, empty) transcode queue.
"""
from __future__ import annotations

import ctypes
import ipaddress
import json
import logging
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from videoflix.adapters.aws import aws_client
from videoflix.auth.service import ensure_user
from videoflix.db.models import Video, VideoStatus
from videoflix.settings import Settings, load_settings, settings_to_environ
from videoflix_tools.dev.emails import sent_emails
from videoflix_tools.dev.events import DevEventLog
from videoflix_tools.dev.gateway import GatewayResponse, wsgi_app
from videoflix_tools.dev.mailbox_page import mailbox_page, wants_html
from videoflix_tools.dev.moto_server import start_moto_server
from videoflix_tools.dev.player import PLAYER_DIR, config_script, insights_config, missing_hls_js, player_app
from videoflix_tools.dev.pump import QueuePump
from videoflix_tools.dev.schedule import FIRST_SWEEP_DELAY_SECONDS, SWEEP_INTERVAL_SECONDS, Schedule
from videoflix_tools.dev.seed import start_seeding
from videoflix_tools.dev.serving import serve_in_background
from videoflix_tools.dev.services_file import remove_services_file, write_services_file
from videoflix_tools.dev.worker import subprocess_handler
from videoflix_tools.functions import load_handler
from videoflix_tools.testing.local_system import api_gateway, provision, queue_binding

log = logging.getLogger("videoflix_tools.dev")

DEV_AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
DEFAULT_DATA_DIR = ".dev"
S3_FOLDER = "s3"
SQLITE_FILE = "videoflix.sqlite3"


# glibc's mallopt(M_MMAP_THRESHOLD): allocations this large are mmapped, so freeing them returns them to the OS.
M_MMAP_THRESHOLD = -3
LARGE_BUFFER_BYTES = 1024 * 1024


class DevDataError(ValueError):
    """The data folder cannot be used or reset as asked."""


def return_large_buffers_to_the_os() -> bool:
    """Fix glibc's mmap threshold at 1 MiB in this process; False where that is not glibc.

    The dev process passes uploads and media through in pieces of 1 to 64 MiB (request bodies,
    the embedded S3's copies). glibc raises its mmap threshold after each such buffer is freed
    (up to 32 MiB) and then serves the next ones from its heaps, which keep the memory: the
    process grew by tens of MiB per film although it kept none of it. A fixed threshold turns
    that dynamic adjustment off.
    """
    if not sys.platform.startswith("linux"):
        return False

    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES))
    except (OSError, AttributeError):
        return False


class DevHostRefused(ValueError):
    """`videoflix dev` was asked to serve the captured emails beyond this machine without saying so."""


def is_loopback_host(host: str) -> bool:
    """True for localhost and loopback addresses (127.0.0.0/8, ::1); False for 0.0.0.0 and any other name."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_dev_host(host: str, *, expose_dev_emails: bool) -> None:
    """Refuse a non-loopback host: the stack serves /dev/emails, every activation and reset link, there."""
    if expose_dev_emails or is_loopback_host(host):
        return
    shown = host or "''"
    raise DevHostRefused(
        f"--host {shown} would serve /dev/emails (every activation and password-reset link sent, "
        "so anyone who can reach it can take over any account) to the network; use --host 127.0.0.1 "
        "(the default), or add --expose-dev-emails if everyone who can reach this host may read those emails")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class DevStack:
    """A running stack; `stop()` ends every part of it."""
    settings: Settings
    api_url: str
    embedded_aws: bool
    environ: dict[str, str]
    _closers: list = field(default_factory=list)
    player_url: str | None = None
    seeding: bool = False
    data_dir: Path | None = None

    def stop(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:  # stopping must go on whatever one part does
                log.exception("while stopping the dev stack")
        self._closers.clear()


def _start_embedded_aws(port: int, cors_origins: tuple[str, ...], s3_folder: Path) -> tuple[str, Any]:
    # The same origins the buckets' CORS rules name (bootstrap_aws), answered as S3 would.
    return start_moto_server("127.0.0.1", port, cors_origins, s3_folder=s3_folder)


def _start_embedded_redis(port: int) -> tuple[str, Any]:
    from fakeredis import TcpFakeServer

    server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
    return f"redis://127.0.0.1:{port}/0", serve_in_background(server, "fake-redis")


def start_dev_stack(environ: dict[str, str], *, host: str = "127.0.0.1", port: int = 8000,
                    aws_port: int | None = None, pump: bool = True, player_port: int | None = None,
                    seed_seconds: float | None = None, expose_dev_emails: bool = False,
                    data_dir: str | os.PathLike = DEFAULT_DATA_DIR) -> DevStack:
    """Start every part; `player_port` serves infra/player, `seed_seconds` seeds a film that long.

    A `host` other than loopback is refused (DevHostRefused) unless `expose_dev_emails`.
    `data_dir` holds the embedded services' state: the SQLite database (unless DATABASE_URL
    names one) and the embedded S3's objects.
    """
    check_dev_host(host, expose_dev_emails=expose_dev_emails)
    if not is_loopback_host(host):
        log.warning("serving the API and /dev/emails (every activation and reset link) on %s, "
                    "as --expose-dev-emails asked", host)
    for name, value in DEV_AWS_CREDENTIALS.items():
        environ.setdefault(name, value)
    os.environ.update({k: environ[k] for k in DEV_AWS_CREDENTIALS})
    settings = load_settings(environ)
    closers: list = []
    embedded_aws = not settings.aws_endpoint_url
    data_dir = Path(data_dir)
    overrides: dict[str, Any] = {}
    if not environ.get("DATABASE_URL"):
        overrides["database_url"] = f"sqlite:///{data_dir / SQLITE_FILE}"
    player_url = f"http://{host}:{player_port}" if player_port else None
    if player_url and player_url not in settings.cors_allowed_origins:
        # The stack's own player must be able to call the API, whatever port it was given.
        overrides["cors_allowed_origins"] = (*settings.cors_allowed_origins, player_url)
    if embedded_aws:
        url, stop = _start_embedded_aws(aws_port or free_port(),
                                        overrides.get("cors_allowed_origins", settings.cors_allowed_origins),
                                        data_dir / S3_FOLDER)
        closers.append(stop)
        overrides["aws_endpoint_url"] = url
    if not settings.redis_url:
        url, stop = _start_embedded_redis(free_port())
        closers.append(stop)
        overrides["redis_url"] = url
    api_url = f"http://{host}:{port}"
    if not settings.api_base_url:
        overrides["api_base_url"] = api_url
    settings = settings.with_overrides(**overrides)
    worker_environ = {**environ, **settings_to_environ(settings)}
    stack = DevStack(settings, api_url, embedded_aws, worker_environ, closers, data_dir=data_dir)
    try:
        services = provision_stack(settings)
        if embedded_aws:
            # The embedded queues start empty: what they held before a restart is gone.
            requeue_interrupted(services)
            # And its port is new: URLs presigned for the last run's are worthless.
            forget_presigned_urls(services.redis)
        _serve(stack, host, port, pump)
        if player_port:
            _serve_player(stack, host, player_port)
    except BaseException:
        stack.stop()
        raise
    if seed_seconds:

        start_seeding(services, seed_seconds)
        stack.seeding = True
    return stack


def provision_stack(settings: Settings):
    """Migrate and bootstrap, then make sure the staff user ADMIN_EMAIL/ADMIN_PASSWORD exists."""
    services = provision(settings)
    if settings.admin_email and settings.admin_password:
        # Only when missing or its password changed: a new hash would end every staff session.
        _, outcome = ensure_user(services, settings.admin_email, settings.admin_password, staff=True)
        if outcome != "unchanged":
            log.info("staff user %s %s from ADMIN_EMAIL/ADMIN_PASSWORD", settings.admin_email, outcome)
    return services


def requeue_interrupted(services) -> dict[str, list[int]]:
    """Videos a stopped stack left behind, when the transcode queue has lost its messages.

    `uploaded` ones (their message is gone) get a new message, shaped like S3's event;
    `processing` ones (their worker died with the stack) have their lease ended, so the
    first sweep soon after start requeues them, or fails them once their attempts are spent.
    """


    with services.db.session() as session:
        uploaded = session.execute(select(Video.id, Video.source_key, Video.size)
                                   .where(Video.status == VideoStatus.UPLOADED).order_by(Video.id)).all()
        processing = list(session.scalars(select(Video.id).where(Video.status == VideoStatus.PROCESSING)
                                          .order_by(Video.id)))
        if processing:
            session.execute(update(Video).where(Video.id.in_(processing), Video.status == VideoStatus.PROCESSING)
                            .values(lease_expires_at=None))
    for _, source_key, size in uploaded:
        services.transcode_queue.request(source_key, size, "Requeue")
    found = {"requeued": [row[0] for row in uploaded], "lease_ended": processing}
    if uploaded or processing:
        log.info("interrupted by the last stop: %s", found)
    return found


def forget_presigned_urls(redis) -> int:
    """Delete the cached catalog and playlists (presigned URLs); returns how many keys went."""
    keys = list(redis.scan_iter(match="catalog:*", count=500))
    return redis.delete(*keys) if keys else 0


def dev_data_paths(environ: dict[str, str], data_dir: str | os.PathLike = DEFAULT_DATA_DIR) -> list[Path]:
    """What `videoflix dev --reset` deletes: the data folder and a SQLite database outside it."""
    folder = Path(data_dir).resolve()
    here = Path.cwd().resolve()
    if folder == Path(folder.anchor) or folder == Path.home().resolve() or folder == here or folder in here.parents:
        raise DevDataError(f"refusing to reset {folder}: the data folder must not hold the current folder "
                           "or be your home or a root; choose another --data-dir")
    paths = [folder] if folder.exists() else []
    database_url = environ.get("DATABASE_URL", "")
    if database_url.startswith("sqlite:///"):
        database = Path(database_url.removeprefix("sqlite:///").split("?", 1)[0]).resolve()
        if folder not in database.parents:
            paths += [p for p in (database, *(Path(f"{database}{s}") for s in ("-wal", "-shm", "-journal")))
                      if p.exists()]
    return paths


def reset_dev_data(environ: dict[str, str], data_dir: str | os.PathLike = DEFAULT_DATA_DIR,
                   say=print) -> list[Path]:
    """Delete the dev stack's state (database, media, uploads), saying what goes first."""
    paths = dev_data_paths(environ, data_dir)
    database_url = environ.get("DATABASE_URL", "")
    if not paths:
        say(f"Nothing to reset: {Path(data_dir).resolve()} does not exist.")
    for path in paths:
        say(f"Deleting {path}{'/ (SQLite database, S3 objects and uploads)' if path.is_dir() else ''}")
    if database_url and not database_url.startswith("sqlite"):
        say("DATABASE_URL names an external database: it is left as it is (drop its tables yourself).")
    if environ.get("AWS_ENDPOINT_URL"):
        say("AWS_ENDPOINT_URL names an external endpoint: its buckets and queues are left as they are.")
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return paths


def build_gateway(settings: Settings, embedded_aws: bool):
    gateway = api_gateway(settings)
    if settings.is_dev:
        def dev_emails(headers: list[tuple[str, str]], query: str) -> GatewayResponse:
            emails = sent_emails(settings, embedded_aws)
            if wants_html(headers, query):  # a browser: the messages to read, links to click
                return GatewayResponse(200, [("Content-Type", "text/html; charset=utf-8"),
                                             ("Cache-Control", "no-store"), ("Vary", "Accept")],
                                       mailbox_page(emails).encode())
            body = json.dumps(emails).encode()
            return GatewayResponse(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store"),
                                         ("Vary", "Accept")], body)
        gateway.extra_routes["/dev/emails"] = dev_emails
        add_dev_events_route(gateway, settings)
    return gateway


def add_dev_events_route(gateway, settings: Settings) -> None:
    """`GET /dev/events`: the Video Ready / Video Failed events the bus received (videoflix_tools.dev.events)."""
    try:
        event_log = DevEventLog(settings)
    except Exception:  # an endpoint without EventBridge: the stack runs on, without the page
        log.warning("no /dev/events: the event bus could not be set up", exc_info=True)
        return

    def dev_events(headers: list[tuple[str, str]], query: str) -> GatewayResponse:
        body = json.dumps(event_log.events()).encode()
        return GatewayResponse(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body)
    gateway.extra_routes["/dev/events"] = dev_events


def build_pump(stack: DevStack):
    settings = stack.settings

    def binding(queue_name: str, handler, **options):
        return queue_binding(settings, queue_name, handler, **options)

    bindings = [
        binding(settings.mail_queue_name, load_handler("mailer"), batch_size=10, visibility_timeout=60),
        # Playback-event batches, folded in this process (a database write each, no FFmpeg).
        binding(settings.playback_queue_name, load_handler("insights"), batch_size=10, visibility_timeout=60),
        # Each transcode runs in its own process, as its own Lambda instance would.
        binding(settings.transcode_queue_name, subprocess_handler("transcoder", stack.environ),
                batch_size=1, visibility_timeout=settings.transcode_time_budget + 60, retry_delay=2),
        # Chunks of long films: two worker processes polling, as two of the many Lambda instances.
        *(binding(settings.chunk_queue_name, subprocess_handler("chunker", stack.environ),
                  batch_size=1, visibility_timeout=settings.transcode_time_budget + 60, retry_delay=2)
          for _ in range(2)),
        # AV1 jobs and AV1 chunks: the same chunk worker, one process of its own (on AWS, an event source
        # with fewer instances than the chunk queue's), so they never hold back a new upload's chunks.
        binding(settings.av1_queue_name, subprocess_handler("chunker", stack.environ),
                batch_size=1, visibility_timeout=settings.transcode_time_budget + 60, retry_delay=2),
    ]
    return QueuePump(aws_client("sqs", settings), bindings, settings.aws_region), bindings


def _serve(stack: DevStack, host: str, port: int, pump: bool) -> None:
    from werkzeug.serving import make_server


    gateway = build_gateway(stack.settings, stack.embedded_aws)
    server = make_server(host, port, wsgi_app(gateway), threaded=True)
    stack._closers.append(serve_in_background(server, "api-gateway"))
    if pump:
        queue_pump, _ = build_pump(stack)
        queue_pump.start()
        stack._closers.append(queue_pump.stop)
        sweeper = build_sweeper_schedule()
        sweeper.start()
        stack._closers.append(sweeper.stop)


def build_sweeper_schedule():
    return Schedule("sweeper", load_handler("sweeper"), SWEEP_INTERVAL_SECONDS, FIRST_SWEEP_DELAY_SECONDS)


def _serve_player(stack: DevStack, host: str, port: int) -> None:
    from werkzeug.serving import make_server


    if not PLAYER_DIR.is_dir():
        log.warning("no player at %s (not a checkout?); serving the API only", PLAYER_DIR)
        return
    if missing_hls_js():
        log.warning("hls.js is not installed, so the player cannot play: run `npm ci` in %s "
                    "(`make dev` does it)", PLAYER_DIR)
    canonical = f"http://{host}:{port}" if host == "127.0.0.1" else None
    insights = insights_config(stack.settings.playback_insights, stack.settings.playback_report_interval_ms)
    app = player_app(PLAYER_DIR, config_script(stack.api_url, stack.settings.is_dev, insights), canonical)
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as exc:
        raise OSError(f"cannot serve the player on {host}:{port} ({exc}); choose another port "
                      "with --player-port") from exc
    stack._closers.append(serve_in_background(server, "player"))
    stack.player_url = f"http://{host}:{port}"


def describe(stack: DevStack) -> str:
    s = stack.settings
    lines = ["Videoflix dev stack is running:"]
    if stack.player_url:
        lines.append(f"  Player (open this)                             {stack.player_url}/")
    lines += [
        f"  API (Chalice apps behind a local API Gateway)  {stack.api_url}/api/",
        f"  Health                                         {stack.api_url}/api/health/",
        f"  Captured emails                                {stack.api_url}/dev/emails",
        f"  Video events                                   {stack.api_url}/dev/events",
        f"  AWS endpoint ({'embedded moto' if stack.embedded_aws else 'external'})"
        f"{' ' * (18 if stack.embedded_aws else 23)}{s.aws_endpoint_url}",
        f"  Database                                       {s.database_url}",
        f"  Redis                                          {s.redis_url}",
        f"  Queue pump: {s.mail_queue_name} -> mailer, {s.transcode_queue_name} -> transcoder, "
        f"{s.chunk_queue_name} -> chunk workers (worker processes), {s.av1_queue_name} -> an AV1 chunk worker, "
        f"{s.playback_queue_name} -> insights",
        "  Sweeper: stale transcode leases and orphaned output, soon after start and every 15 minutes",
    ]
    if stack.data_dir is not None and (stack.embedded_aws or s.database_url.startswith("sqlite")):
        lines.append(f"  {'Data, kept across restarts':<47}{stack.data_dir.resolve()}  (`make dev-reset` wipes it)")
    if s.admin_email:
        lines.append(f"  Staff user                                     {s.admin_email}")
    if stack.seeding:
        lines.append("  Sample film: seeded in the background if the catalog is empty (listed once transcoded)")
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def run_dev_stack(environ: dict[str, str], host: str, port: int, aws_port: int | None, *,
                  player_port: int | None = None, seed_seconds: float | None = None,
                  expose_dev_emails: bool = False, data_dir: str | os.PathLike = DEFAULT_DATA_DIR,
                  reset: bool = False) -> int:

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    for noisy in ("werkzeug", "alembic", "botocore.credentials"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return_large_buffers_to_the_os()
    # A refused host must leave the data alone: check it before a reset wipes anything.
    check_dev_host(host, expose_dev_emails=expose_dev_emails)
    if reset:
        reset_dev_data(environ, data_dir)
    stack = start_dev_stack(environ, host=host, port=port, aws_port=aws_port, player_port=player_port,
                            seed_seconds=seed_seconds, expose_dev_emails=expose_dev_emails, data_dir=data_dir)
    try:
        # Where the CLI finds this run's services (the embedded endpoint's port is new each start).
        write_services_file(data_dir, stack.api_url, services_environ(stack))
        print(describe(stack), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopping the dev stack...", flush=True)
    finally:
        remove_services_file(data_dir)
        stack.stop()
    return 0


def services_environ(stack: DevStack) -> dict[str, str]:
    """The variables a handler run from the shell needs to reach this stack's services."""
    return {**{name: stack.environ[name] for name in DEV_AWS_CREDENTIALS if stack.environ.get(name)},
            **settings_to_environ(stack.settings)}
