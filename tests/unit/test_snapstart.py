"""SnapStart's runtime hooks (videoflix/snapstart.py): nothing of the snapshot is shared that must differ.

Lambda resumes every execution environment of a published version from one snapshot of its init.
Before the snapshot the hooks close every connection (database pool, Redis client, boto3 clients)
and forget the services holding them; after each restore they re-seed what is random and do the same
again. Run here without AWS: the runtime's `snapshot_restore_py` is stood in for by a module with
its API (register_*/get_*), and the hooks are run the way the runtime runs them.
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import textwrap

import pytest

from videoflix import snapstart
from videoflix.adapters.aws import aws_client
from videoflix.db.session import get_engine
from videoflix.services import built_services, get_services, use_services
from videoflix_tools.functions import FUNCTIONS_DIR, HANDLERS, PROJECT_ROOT

ZIP_FUNCTIONS = ["auth", "catalog", "admin", "mailer", "migrate", "sweeper", "staff"]


class ClosableCache:
    def __init__(self) -> None:
        self.closed = 0

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def installed(services, monkeypatch):
    """The twins installed as this process's services, with AWS keys in the environment (no network)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    use_services(services)
    yield services
    use_services(None)


def test_before_snapshot_closes_every_connection_and_forgets_the_services(installed):
    services = installed
    services.redis = cache = ClosableCache()
    with services.db.engine.connect() as connection:  # a pooled database connection, kept by the pool
        driver_connection = connection.connection.driver_connection
    s3 = aws_client("s3", services.settings)

    snapstart.before_snapshot(preload=("json",))

    assert cache.closed == 1
    with pytest.raises(sqlite3.ProgrammingError):  # the pool's connection is closed, not kept in the snapshot
        driver_connection.execute("select 1")
    assert get_engine(services.settings.database_url) is not services.db.engine  # a new pool on first use
    assert aws_client("s3", services.settings) is not s3  # a new client, its credentials resolved again
    assert built_services() is None


def test_the_services_are_built_again_on_the_first_request_after_a_restore(installed, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", installed.settings.database_url)
    engine_before = installed.db.engine  # built now: engines are made on first use
    snapstart.after_restore()
    assert built_services() is None
    again = get_services()
    assert again is not installed and again.db.engine is not engine_before


def test_a_cache_never_built_is_not_connected_just_to_be_closed(installed):
    assert "cache" in installed.__dict__  # the twin was given; drop it to see a lazy one untouched
    del installed.__dict__["cache"]
    snapstart.release_connections()
    assert "cache" not in installed.__dict__


def test_environments_restored_from_one_snapshot_draw_different_random_numbers():
    snapshot = random.getstate()
    draws = []
    for _environment in range(2):
        random.setstate(snapshot)  # what each restored environment starts with
        snapstart.reseed_randomness()
        draws.append([random.random() for _ in range(4)])
    assert draws[0] != draws[1]
    random.setstate(snapshot)
    unseeded = [random.random() for _ in range(4)]
    random.setstate(snapshot)
    assert unseeded == [random.random() for _ in range(4)]  # without the hook they would be the same


def test_tempfile_names_come_from_a_new_generator_after_a_restore():
    before = tempfile._get_candidate_names()
    snapstart.after_restore()
    assert tempfile._get_candidate_names() is not before


def test_without_the_runtime_library_registering_does_nothing():
    assert "snapshot_restore_py" not in sys.modules  # Lambda's library: not installed here

    def hook():
        raise AssertionError("never run outside Lambda")

    assert snapstart.register_before_snapshot(hook) is hook
    assert snapstart.register_after_restore(hook) is hook
    snapstart.prepare_snapshot(preload=("json",))


STAND_IN = '''
"""The API of Lambda's snapshot_restore_py (the runtime reads the registries with get_*)."""
_before, _after = [], []

def register_before_snapshot(func, *args, **kwargs):
    _before.append((func, args, kwargs))
    return func

def register_after_restore(func, *args, **kwargs):
    _after.append((func, args, kwargs))
    return func

def get_before_snapshot():
    return _before

def get_after_restore():
    return _after
'''

RUNTIME = textwrap.dedent('''
    import json, sys
    import app
    import snapshot_restore_py as runtime
    from videoflix.services import built_services, get_services
    before, after = runtime.get_before_snapshot(), runtime.get_after_restore()
    services = get_services()  # as if the init had built them (the hooks must not care)
    services.cache.ping()
    for func, args, kwargs in reversed(before):  # the runtime's order: reverse of registration
        func(*args, **kwargs)
    preloaded = sorted(name for name in args_of(before) if name in sys.modules)
    after_snapshot = built_services()
    for func, args, kwargs in after:
        func(*args, **kwargs)
    print(json.dumps({"before": len(before), "after": len(after), "preloaded": preloaded,
                      "asked": sorted(args_of(before)), "services_after_snapshot": after_snapshot is not None,
                      "services_after_restore": built_services() is not None}))
''').replace("import app", "import app\ndef args_of(hooks):\n    return [n for _f, args, _k in hooks for n in args[0]]")


@pytest.mark.parametrize("function", ZIP_FUNCTIONS)
def test_each_handler_registers_the_hooks_and_the_runtime_can_run_them(function, tmp_path):
    (tmp_path / "snapshot_restore_py.py").write_text(STAND_IN)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "DATABASE", "REDIS"))}
    env.update(PYTHONPATH=os.pathsep.join([str(tmp_path), str(PROJECT_ROOT / "layers")]),
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="")
    done = subprocess.run([sys.executable, "-c", RUNTIME], cwd=(FUNCTIONS_DIR / HANDLERS[function][0]).parent,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert (report["before"], report["after"]) == (1, 1)
    assert report["asked"] and report["preloaded"] == report["asked"]  # the first request's libraries, in the snapshot
    assert report["services_after_snapshot"] is False and report["services_after_restore"] is False


# What Lambda's Python runtime provides besides the layer (boto3 and botocore ship with it).
RUNTIME_PROVIDED = {"boto3", "botocore"}


def test_every_preloaded_library_ships_in_the_layer_or_the_runtime():
    """A preload the layer lacks would fail the snapshot's init (PyJWT left the layer, for one)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shipped = {line.split("==")[0].strip().lower().replace("-", "_")
               for line in (root / "layers" / "requirements.txt").read_text().splitlines()
               if line.strip() and not line.startswith("#")} | RUNTIME_PROVIDED
    preloads = {}
    for app in sorted((root / "functions").glob("*/app.py")):
        for node in ast.walk(ast.parse(app.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "prepare_snapshot":
                for keyword in node.keywords:
                    if keyword.arg == "preload":
                        preloads[app.parent.name] = ast.literal_eval(keyword.value)
    assert preloads, "no function prepares a snapshot"
    shipped |= {"videoflix"}  # the layer's own modules (the ORM's use cases, say)
    assert {name: [lib for lib in libs if lib.split(".")[0].lower() not in shipped]
            for name, libs in preloads.items()} == \
        {name: [] for name in preloads}
