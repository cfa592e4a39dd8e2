"""Operator commands: dev stack, migrations, provisioning, users, local invocation."""
from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import sys
from typing import Any

from videoflix.db.migrate import upgrade_database
from videoflix.errors import FieldErrors, VideoflixError
from videoflix.settings import SettingsError, load_settings, process_environment
from videoflix_tools.bootstrap import bootstrap_aws
from videoflix_tools.cli.config import read_password
from videoflix_tools.cli.errors import CommandFailed
from videoflix_tools.dev.services_file import with_running_stack
from videoflix_tools.functions import HANDLERS, LocalContext, load_handler

DOTENV = ".env"
DEV_DATA_DIR = ".dev"  # `videoflix dev`'s default --data-dir, where it says where its services are


def _environment() -> tuple[dict[str, str], str]:
    """The environment and .env, with a running `make dev`'s services (endpoint, credentials, Redis,
    database) over them in dev; and why no stack was found where one is needed ("" otherwise)."""
    return with_running_stack(process_environment(DOTENV), DEV_DATA_DIR)


def _settings_of(environ: dict[str, str]):
    try:
        return load_settings(environ)
    except SettingsError as exc:
        raise CommandFailed(f"{exc} (check your environment or .env)") from None


def _settings():
    return _settings_of(_environment()[0])


def cmd_dev(args) -> int:
    # Imported here, not at the top: the dev stack (and the embedded services it starts) is the
    # `dev` command's alone; every other command, and each `invoke` worker process the stack
    # starts for a transcode, would load it for nothing.
    from videoflix_tools.dev.stack import DevDataError, DevHostRefused, run_dev_stack

    try:
        return run_dev_stack(process_environment(DOTENV), args.host, args.port, args.aws_port,
                             player_port=args.player_port or None,
                             seed_seconds=None if args.no_seed else args.seed_seconds,
                             expose_dev_emails=args.expose_dev_emails,
                             data_dir=args.data_dir, reset=args.reset)
    except (DevHostRefused, DevDataError) as exc:
        raise CommandFailed(str(exc)) from None
    except SettingsError as exc:
        raise CommandFailed(f"{exc} (check your environment or .env)") from None


def cmd_migrate(args) -> int:
    settings = _settings()
    upgrade_database(settings.database_url)
    print(f"Database is up to date: {settings.database_url}")
    return 0


def cmd_bootstrap(args) -> int:
    settings = _settings()
    if not settings.aws_endpoint_url and not args.real_aws:
        raise CommandFailed("AWS_ENDPOINT_URL is not set; pass --real-aws to provision real AWS "
                            "(normally template.yaml does that)")
    print(json.dumps(bootstrap_aws(settings), indent=2))
    return 0


def operator_name() -> str:
    """Who the history says ran `videoflix users create`: the operating-system account and host."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name (a container without one): still recorded
        user = "unknown"
    return f"operator:{user}@{socket.gethostname()}"[:254]


def cmd_users_create(args) -> int:
    # Here, not at the top: the server side's services (SQLAlchemy, Redis, password hashing) add about
    # a second and 20 MB to every `videoflix` run, and to each `invoke` worker process of the dev stack.
    from videoflix.auth.service import create_user
    from videoflix.services import Services

    settings = _settings()
    password = read_password(f"Password for {args.email}: ")
    try:
        user = create_user(Services.from_settings(settings), args.email, password, staff=args.staff,
                           actor=operator_name())
    except FieldErrors as exc:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.fields.items())
        raise CommandFailed(problems) from None
    print(f"User {user.email} (id {user.id}) is active{' and staff' if user.is_staff else ''}.")
    return 0


def cmd_invoke(args) -> int:
    if args.function not in HANDLERS:
        raise CommandFailed(f"unknown function {args.function!r}; choose one of {', '.join(HANDLERS)}")
    try:
        with (sys.stdin if args.event == "-" else open(args.event, encoding="utf-8")) as handle:
            event = json.load(handle)
    except (OSError, ValueError) as exc:
        raise CommandFailed(f"cannot read event {args.event}: {exc}") from None
    environ, no_stack = _environment()
    _settings_of(environ)  # fail early, with a clear message, on bad settings
    # The handler builds its services from the process environment, as in Lambda.
    os.environ.update(environ)
    # Here, not at the top: see cmd_users_create.
    from videoflix.services import get_settings

    handler_settings = get_settings()
    if handler_settings.is_dev and not handler_settings.aws_endpoint_url:
        # In dev nothing falls through to real AWS (boto3 would find no credentials, or worse, yours).
        raise CommandFailed(no_stack or "AWS_ENDPOINT_URL is not set: in dev `videoflix invoke` never calls "
                                        "real AWS; start `make dev` or set AWS_ENDPOINT_URL")
    context = LocalContext(args.function, timeout_seconds=900, memory_mb=3008, request_id="local-invoke")
    failed = False
    try:
        # Standard output is the function's log (JSON lines, EMF metrics) in Lambda; here it is the
        # result's, so the log goes to standard error, as `sam local invoke` keeps them apart.
        with contextlib.redirect_stdout(sys.stderr):
            result: Any = load_handler(args.function)(event, context)
    except VideoflixError as exc:
        # What Lambda answers for an error the function raised on purpose (no traceback).
        result, failed = {"errorMessage": exc.detail, "errorType": type(exc).__name__}, True
    text = json.dumps(result, indent=2, default=str)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        print(text)
    return 1 if failed else 0


def register(commands):
    """The operator's commands; returns the `users` parser and its subparsers, for the console's actions."""
    dev = commands.add_parser("dev", help="run the whole stack locally (embedded services by default)")
    dev.add_argument("--host", default="127.0.0.1",
                     help="address to serve on (default 127.0.0.1); another than loopback needs --expose-dev-emails")
    dev.add_argument("--expose-dev-emails", action="store_true",
                     help="allow a non-loopback --host although /dev/emails (every activation and reset link) "
                          "is then served to the network")
    dev.add_argument("--port", type=int, default=8000)
    dev.add_argument("--aws-port", type=int, default=None, help="port of the embedded AWS endpoint")
    dev.add_argument("--player-port", type=int, default=5500,
                     help="port of the reference web player (default 5500; 0 does not serve it)")
    dev.add_argument("--data-dir", default=".dev",
                     help="folder of the embedded state kept across restarts: the SQLite database (unless "
                          "DATABASE_URL is set) and the S3 objects (default .dev)")
    dev.add_argument("--reset", action="store_true",
                     help="first delete the data folder (database, films, uploads), saying what goes")
    dev.add_argument("--no-seed", action="store_true", help="do not add the sample film to an empty catalog")
    dev.add_argument("--seed-seconds", type=float, default=20.0, help="length of the sample film (default 20)")
    dev.set_defaults(run=cmd_dev)

    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.set_defaults(run=cmd_migrate)

    bootstrap = commands.add_parser("bootstrap", help="create buckets, queues, notifications, SES identity")
    bootstrap.add_argument("--real-aws", action="store_true")
    bootstrap.set_defaults(run=cmd_bootstrap)

    users_parser = commands.add_parser("users", help="list and manage users (`videoflix users --search Q`)")
    users = users_parser.add_subparsers(dest="users_command", required=False)
    create = users.add_parser("create", help="create an active user (password prompted or from stdin)")
    create.add_argument("email")
    create.add_argument("--staff", action="store_true")
    create.set_defaults(run=cmd_users_create)

    invoke = commands.add_parser("invoke", help="run a function handler with an event file, like sam local invoke")
    invoke.add_argument("function")
    invoke.add_argument("event", help="event JSON file, or - for standard input")
    invoke.add_argument("--output", help="write the result here instead of standard output")
    invoke.set_defaults(run=cmd_invoke)
    return users_parser, users
