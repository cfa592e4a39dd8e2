"""Where a running `make dev` keeps its services, for the CLI's dev-facing commands.

The embedded AWS endpoint and Redis take a new free port on each start, so `videoflix dev`
writes them (with the credentials and every other variable its worker processes get) to
`<data dir>/services.json` once it runs and removes the file when it stops. `videoflix invoke`
(and `migrate`, `users create`, `bootstrap`) read it, so a handler run from the shell talks to
the same moto, database and Redis as the stack, never to real AWS. Standard library only: the
CLI reads it on every such command.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

SERVICES_FILE = "services.json"
DEV_STAGES = ("dev", "test")
NO_RUNNING_STACK = ("no running `make dev` found ({path} {why}), and AWS_ENDPOINT_URL is not set: in dev "
                    "this command never calls real AWS. Start `make dev` in this folder (or `videoflix dev "
                    "--data-dir DIR` and run this from the same folder), or set AWS_ENDPOINT_URL (e.g. LocalStack)")


def services_path(data_dir: str | os.PathLike) -> Path:
    return Path(data_dir) / SERVICES_FILE


def write_services_file(data_dir: str | os.PathLike, api_url: str, environ: dict[str, str]) -> Path:
    """Record this process's stack; mode 0600 from the first byte (it holds the secret key)."""
    path = services_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"pid": os.getpid(), "api": api_url, "environ": environ}, handle, indent=2)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def remove_services_file(data_dir: str | os.PathLike) -> None:
    """Forget the stack on stop, unless another process has written the file since."""
    path = services_path(data_dir)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def running_stack(data_dir: str | os.PathLike) -> tuple[dict | None, str]:
    """(what the running stack wrote, "") or (None, why there is none)."""
    path = services_path(data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, "does not exist"
    except (OSError, ValueError):
        return None, "cannot be read"
    if not isinstance(data, dict) or not isinstance(data.get("environ"), dict):
        return None, "is not a services file"
    if not _alive(data.get("pid")):
        return None, f"names process {data.get('pid')}, which has stopped"
    return data, ""


def wants_running_stack(environ: dict[str, str]) -> bool:
    """A dev environment without an AWS endpoint of its own: its services are a running `make dev`'s."""
    return (environ.get("VIDEOFLIX_ENV") or "dev") in DEV_STAGES and not environ.get("AWS_ENDPOINT_URL")


def with_running_stack(environ: dict[str, str], data_dir: str | os.PathLike) -> tuple[dict[str, str], str]:
    """`environ` with the running stack's services over it where it needs them; else (environ, why not).

    The reason is "" when the stack was found or none is needed (an endpoint is set, or not dev).
    """
    if not wants_running_stack(environ):
        return environ, ""
    data, why = running_stack(data_dir)
    if data is None:
        return environ, NO_RUNNING_STACK.format(path=services_path(data_dir), why=why)
    return {**environ, **{str(k): str(v) for k, v in data["environ"].items()}}, ""
