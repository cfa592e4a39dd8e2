"""`make dev`: the whole Videoflix stack in one process tree, with no services installed.

Embedded defaults: moto server for AWS, SQLite for the database, an in-process Redis
(fakeredis over TCP so worker processes share it). Setting AWS_ENDPOINT_URL, DATABASE_URL
or REDIS_URL points the same stack at LocalStack, PostgreSQL or Redis instead. It also
serves the reference player (infra/player) and seeds a sample film into an empty catalog.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sys
from dataclasses import dataclass, field
from typing import Any

from videoflix.dev.serving import serve_in_background
from videoflix.settings import Settings, load_settings, settings_to_environ

log = logging.getLogger("videoflix.dev")

DEV_AWS_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


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

    def stop(self) -> None:
        for close in reversed(self._closers):
            try:
                close()
            except Exception:  # stopping must go on whatever one part does
                log.exception("while stopping the dev stack")
        self._closers.clear()


def _start_embedded_aws(port: int, cors_origins: tuple[str, ...]) -> tuple[str, Any]:
    from videoflix.dev.moto_server import start_moto_server

    # The same origins the buckets' CORS rules name (bootstrap_aws), answered as S3 would.
    return start_moto_server("127.0.0.1", port, cors_origins)


def _start_embedded_redis(port: int) -> tuple[str, Any]:
    from fakeredis import TcpFakeServer

    server = TcpFakeServer(("127.0.0.1", port), server_type="redis")
    return f"redis://127.0.0.1:{port}/0", serve_in_background(server, "fake-redis")


def start_dev_stack(environ: dict[str, str], *, host: str = "127.0.0.1", port: int = 8000,
                    aws_port: int | None = None, pump: bool = True, player_port: int | None = None,
                    seed_seconds: float | None = None) -> DevStack:
    """Start every part; `player_port` serves infra/player, `seed_seconds` seeds a film that long."""
    for name, value in DEV_AWS_CREDENTIALS.items():
        environ.setdefault(name, value)
    os.environ.update({k: environ[k] for k in DEV_AWS_CREDENTIALS})
    settings = load_settings(environ)
    closers: list = []
    embedded_aws = not settings.aws_endpoint_url
    overrides: dict[str, Any] = {}
    player_url = f"http://{host}:{player_port}" if player_port else None
    if player_url and player_url not in settings.cors_allowed_origins:
        # The stack's own player must be able to call the API, whatever port it was given.
        overrides["cors_allowed_origins"] = (*settings.cors_allowed_origins, player_url)
    if embedded_aws:
        url, stop = _start_embedded_aws(aws_port or free_port(),
                                        overrides.get("cors_allowed_origins", settings.cors_allowed_origins))
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
    stack = DevStack(settings, api_url, embedded_aws, worker_environ, closers)
    try:
        services = _provision(settings)
        _serve(stack, host, port, pump)
        if player_port:
            _serve_player(stack, host, player_port)
    except BaseException:
        stack.stop()
        raise
    if seed_seconds:
        from videoflix.dev.seed import start_seeding

        start_seeding(services, seed_seconds)
        stack.seeding = True
    return stack


def _provision(settings: Settings):
    from videoflix.auth.service import create_user
    from videoflix.bootstrap import bootstrap_aws
    from videoflix.db.migrate import upgrade_database
    from videoflix.services import Services, use_services

    upgrade_database(settings.database_url)
    bootstrap_aws(settings)
    services = Services.from_settings(settings)
    use_services(services)
    if settings.admin_email and settings.admin_password:
        create_user(services, settings.admin_email, settings.admin_password, staff=True)
    return services


def build_gateway(settings: Settings, embedded_aws: bool):
    from videoflix.dev.emails import sent_emails
    from videoflix.dev.gateway import GatewayResponse, LocalApiGateway
    from videoflix.functions import API_FUNCTIONS, load_handler

    gateway = LocalApiGateway([load_handler(name) for name in API_FUNCTIONS],
                              cors_origins=settings.cors_allowed_origins)
    if settings.is_dev:
        def dev_emails() -> GatewayResponse:
            body = json.dumps(sent_emails(settings, embedded_aws)).encode()
            return GatewayResponse(200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
                                   body)
        gateway.extra_routes["/dev/emails"] = dev_emails
    return gateway


def build_pump(stack: DevStack):
    from videoflix.aws import aws_client, queue_url
    from videoflix.dev.pump import QueueBinding, QueuePump
    from videoflix.dev.worker import subprocess_handler
    from videoflix.functions import load_handler

    settings = stack.settings
    sqs = aws_client("sqs", settings)

    def binding(queue_name: str, handler, **kwargs) -> QueueBinding:
        url = queue_url(settings, queue_name)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return QueueBinding(url, arn, handler, **kwargs)

    bindings = [
        binding(settings.mail_queue_name, load_handler("mailer"), batch_size=10, visibility_timeout=60),
        # Each transcode runs in its own process, as its own Lambda instance would.
        binding(settings.transcode_queue_name, subprocess_handler("transcoder", stack.environ),
                batch_size=1, visibility_timeout=settings.transcode_time_budget + 60, retry_delay=2),
        # Chunks of long films: two worker processes polling, as two of the many Lambda instances.
        *(binding(settings.chunk_queue_name, subprocess_handler("chunker", stack.environ),
                  batch_size=1, visibility_timeout=settings.transcode_time_budget + 60, retry_delay=2)
          for _ in range(2)),
    ]
    return QueuePump(sqs, bindings, settings.aws_region), bindings


def _serve(stack: DevStack, host: str, port: int, pump: bool) -> None:
    from werkzeug.serving import make_server

    from videoflix.dev.gateway import wsgi_app

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
    from videoflix.dev.schedule import FIRST_SWEEP_DELAY_SECONDS, SWEEP_INTERVAL_SECONDS, Schedule
    from videoflix.functions import load_handler

    return Schedule("sweeper", load_handler("sweeper"), SWEEP_INTERVAL_SECONDS, FIRST_SWEEP_DELAY_SECONDS)


def _serve_player(stack: DevStack, host: str, port: int) -> None:
    from werkzeug.serving import make_server

    from videoflix.dev.player import PLAYER_DIR, config_script, missing_hls_js, player_app

    if not PLAYER_DIR.is_dir():
        log.warning("no player at %s (not a checkout?); serving the API only", PLAYER_DIR)
        return
    if missing_hls_js():
        log.warning("hls.js is not installed, so the player cannot play: run `npm ci` in %s "
                    "(`make dev` does it)", PLAYER_DIR)
    canonical = f"http://{host}:{port}" if host == "127.0.0.1" else None
    app = player_app(PLAYER_DIR, config_script(stack.api_url, stack.settings.is_dev), canonical)
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
        f"  AWS endpoint ({'embedded moto' if stack.embedded_aws else 'external'})"
        f"{' ' * (18 if stack.embedded_aws else 23)}{s.aws_endpoint_url}",
        f"  Database                                       {s.database_url}",
        f"  Redis                                          {s.redis_url}",
        f"  Queue pump: {s.mail_queue_name} -> mailer, {s.transcode_queue_name} -> transcoder, "
        f"{s.chunk_queue_name} -> chunk workers (worker processes)",
        "  Sweeper: stale transcode leases and orphaned output, soon after start and every 15 minutes",
    ]
    if s.admin_email:
        lines.append(f"  Staff user                                     {s.admin_email}")
    if stack.seeding:
        lines.append("  Sample film: seeded in the background if the catalog is empty (listed once transcoded)")
    lines.append("Press Ctrl+C to stop.")
    return "\n".join(lines)


def run_dev_stack(environ: dict[str, str], host: str, port: int, aws_port: int | None, *,
                  player_port: int | None = None, seed_seconds: float | None = None) -> int:
    import time

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        stream=sys.stderr)
    for noisy in ("werkzeug", "alembic", "botocore.credentials"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    stack = start_dev_stack(environ, host=host, port=port, aws_port=aws_port, player_port=player_port,
                            seed_seconds=seed_seconds)
    print(describe(stack), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("\nStopping the dev stack...", flush=True)
    finally:
        stack.stop()
    return 0
