"""Lambda SnapStart: what the snapshot may keep, and what each restored environment makes anew.

With SnapStart (template.yaml, `SnapStart: ApplyOn: PublishedVersions`) Lambda runs a function's
init once, when a version is published, snapshots the memory and disk, and resumes every new
execution environment of that version from the same snapshot. So the snapshot may hold what is
the same for all of them (imported modules, the Chalice app, the settings' code) and must hold
nothing that has to differ or stay fresh (docs/deploy.md, "SnapStart"):

- connections: the database engine's pool, the Redis client, boto3 clients (and the credentials and
  queue URLs they cached) are closed and forgotten before the snapshot and again after a restore, so
  each environment opens its own on first use. Services are built lazily, so an init opens none
  today; the hooks make sure a future warm-up cannot leak one into the snapshot.
- randomness: `random`'s module generator and tempfile's name generator are re-seeded after a restore
  (every environment would otherwise draw the same numbers). Tokens, JWT ids, CSRF values, salts and
  mail keys come from `secrets`, `uuid.uuid4` and bcrypt, which read the operating system's generator
  on every call and keep nothing in the snapshot.
- libraries: `prepare_snapshot(preload=...)` imports the libraries the function's first request would
  load (JWT, bcrypt, redis-py, pg8000, boto3) before the snapshot, so a restored environment has them
  already; without SnapStart nothing is preloaded and the plain cold start stays lean.

The hooks are registered with `snapshot_restore_py`, which Lambda's Python runtimes ship; where it is
absent (tests, the dev stack, a function without SnapStart) registering does nothing and the
hooks never run.
"""
from __future__ import annotations

import importlib
import random
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from videoflix.adapters.aws import close_clients
from videoflix.coldstart import collector_paused
from videoflix.db.plain import close_opened
from videoflix.services import built_services, use_services

try:  # Lambda's managed Python runtimes (3.12 and later) provide it
    from snapshot_restore_py import register_after_restore, register_before_snapshot
except ImportError:  # anywhere else no snapshot is ever taken: registering is a no-op
    def register_before_snapshot(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return func

    def register_after_restore(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
        return func

__all__ = ["after_restore", "before_snapshot", "prepare_snapshot", "release_connections", "reseed_randomness"]


def release_connections() -> None:
    """Close every connection this process opened and forget the services that hold them: the Redis
    client, the database engines' pools, the boto3 clients. The next request builds them anew."""
    services = built_services()
    if services is not None:
        cache = services.__dict__.get("cache")  # only if it was built: never connect just to close
        close = getattr(cache, "close", None)
        if callable(close):
            close()
        use_services(None)
    close_opened()
    close_clients()


def reseed_randomness() -> None:
    """New seeds from the operating system for the generators a snapshot would otherwise share."""
    random.seed()  # the module-level generator (random.random(), choice(), ...)
    tempfile._name_sequence = None  # tempfile's own generator of names, made again on next use


def before_snapshot(preload: Iterable[str] = ()) -> None:
    """Runs once, at the end of the init that Lambda snapshots."""
    with collector_paused():
        for library in preload:
            importlib.import_module(library)
    release_connections()


def after_restore() -> None:
    """Runs in each execution environment resumed from the snapshot, before its first request."""
    reseed_randomness()
    release_connections()


def prepare_snapshot(preload: Iterable[str] = ()) -> None:
    """Register the hooks for the handler module that calls this (once, at its import)."""
    register_before_snapshot(before_snapshot, tuple(preload))
    register_after_restore(after_restore)
