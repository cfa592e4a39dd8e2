"""Cold start: each function's handler module imported by a fresh interpreter, as Lambda's init does.

    python -m bench.cold_start [--rounds 5] [--source-rounds 2] [--no-first-request]
    make layer && python -m bench.cold_start --python python3.12 --path .aws-sam/layer/python --no-first-request
    git worktree add /tmp/before main && python -m bench.cold_start --baseline /tmp/before

With --baseline, another checkout's handlers are measured beside this one's in one run (alternating
round by round, against the same stack): import and first-request times before and after, and their
ratios, in bench/results/cold_start_compare.json.

Each run is a new `python -X importtime` with the function's folder first on the path and
`layers/` after it (Lambda's /var/task and /opt/python), importing `app`. Three variants, in
alternation: "bytecode" reads compiled modules from a primed cache (what a package shipping
.pyc files for the runtime's Python gets); "collector on" is the same with the handler's
imports run with the garbage collector on (`videoflix.coldstart.collector_paused` replaced
by a no-op), the way a plain module imports; "source only" has no compiled module to read
and writes none, so every module is compiled on import: what a zip without .pyc costs on
Lambda's read-only file system. Reported: the `app` import's cumulative time from
`-X importtime`, the wall time of the import, the heaviest packages, and which heavy
libraries the import loaded. Target (issue 7): <= 400 ms for auth and catalog.

Unless --no-first-request, the auth and catalog functions then each serve a request in a
fresh interpreter (login; the video list, cached), against the same stack as the API
bench, to show what the first request adds to the import: the libraries it needs (JWT,
Redis, the database driver, bcrypt) load on first use. Their import + first request is checked
against issue 25's targets (bench/targets.py: catalog <= 300 ms, auth <= 480 ms), printed with
met / NOT met, in a plain run and (for this checkout and the baseline) with --baseline.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

from bench.harness import ROOT, print_table, ratio, write_result
from bench.targets import print_targets, verdicts

FUNCTIONS = ("auth", "catalog", "admin", "mailer", "transcoder")
TARGETS_MS = {"auth": 400.0, "catalog": 400.0}
# Libraries worth keeping out of a handler's import unless its routes need them.
HEAVY = ("boto3", "botocore", "s3transfer", "av", "imageio_ffmpeg", "alembic", "mako", "jwt", "cryptography",
         "bcrypt", "redis", "fakeredis", "pg8000", "sqlalchemy", "chalice", "moto", "requests")
LAYERS = ROOT / "layers"
FUNCTIONS_DIR = ROOT / "functions"
# Set by --python / --path: the children's interpreter and the libraries after layers/; `root` is the
# checkout whose functions/ and layers/ the children import (another one for --baseline).
CHILD: dict[str, Any] = {"python": sys.executable, "path": "", "root": ROOT}

IMPORT_CHILD = """
import json, sys, time
import videoflix.coldstart
if COLLECTOR_ON:  # the baseline: the handler's imports with the garbage collector running
    import contextlib
    videoflix.coldstart.collector_paused = contextlib.nullcontext
started = time.perf_counter()
import app
wall = time.perf_counter() - started
print(json.dumps({"wall_ms": wall * 1000, "loaded": sorted(m for m in HEAVY if m in sys.modules)}))
"""

REQUEST_CHILD = """
import json, os, sys, time
started = time.perf_counter()
import app
imported = time.perf_counter()
loaded_before = set(sys.modules)

class Context:
    function_name = "bench"
    aws_request_id = "cold-start"
    memory_limit_in_mb = 1024

    @staticmethod
    def get_remaining_time_in_millis():
        return 30000

event = json.loads(os.environ["BENCH_EVENT"])
first = getattr(app, HANDLER)(event, Context())
served = time.perf_counter()
second = getattr(app, HANDLER)(event, Context())
again = time.perf_counter()
print(json.dumps({"import_ms": (imported - started) * 1000, "first_ms": (served - imported) * 1000,
                  "second_ms": (again - served) * 1000,
                  "loaded": sorted(m for m in HEAVY if m in sys.modules and m not in loaded_before),
                  "status": [first["statusCode"], second["statusCode"]]}))
"""

IMPORTTIME_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s+)(\S+)\s*$")


def parse_importtime(stderr: str) -> tuple[float, dict[str, float]]:
    """(cumulative ms of `import app`, ms per top-level package when it was first imported)."""
    app_ms, packages = 0.0, {}
    for line in stderr.splitlines():
        match = IMPORTTIME_LINE.match(line)
        if not match:
            continue
        cumulative, name = int(match.group(2)) / 1000, match.group(4)
        if name == "app" and len(match.group(3)) == 1:
            app_ms = cumulative
        elif "." not in name and name in HEAVY:
            packages[name] = max(packages.get(name, 0.0), cumulative)
    return app_ms, packages


def _environment(pycache: Path, write_bytecode: bool, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    layers = Path(CHILD["root"]) / "layers"
    path = os.pathsep.join(p for p in (str(layers), CHILD["path"], os.environ.get("PYTHONPATH", "")) if p)
    env.update({"PYTHONPATH": path, "PYTHONPYCACHEPREFIX": str(pycache)})
    if not write_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def import_once(function: str, pycache: Path, write_bytecode: bool = False, collector_on: bool = False) -> dict:
    code = f"HEAVY = {HEAVY!r}\nCOLLECTOR_ON = {collector_on!r}\n{IMPORT_CHILD}"
    done = subprocess.run([CHILD["python"], "-X", "importtime", "-c", code], cwd=Path(CHILD["root"]) / "functions" / function,
                          env=_environment(pycache, write_bytecode), capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"importing {function} failed:\n{done.stderr[-3000:]}")
    app_ms, packages = parse_importtime(done.stderr)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"importtime_ms": app_ms, "wall_ms": result["wall_ms"], "loaded": result["loaded"],
            "packages_ms": packages}


def measure_imports(rounds: int, source_rounds: int) -> dict[str, dict]:
    results: dict[str, dict] = {f: {"bytecode": [], "collector_on": [], "source": []} for f in FUNCTIONS}
    with tempfile.TemporaryDirectory(prefix="videoflix-bench-pyc-") as folder:
        compiled, empty = Path(folder) / "compiled", Path(folder) / "empty"
        empty.mkdir()
        for function in FUNCTIONS:  # primes the compiled cache, untimed
            import_once(function, compiled, write_bytecode=True)
        for round_number in range(max(rounds, source_rounds)):
            print(f"import round {round_number + 1} ...", flush=True)
            for function in FUNCTIONS:
                if round_number < rounds:
                    results[function]["bytecode"].append(import_once(function, compiled))
                    results[function]["collector_on"].append(import_once(function, compiled, collector_on=True))
                if round_number < source_rounds:
                    results[function]["source"].append(import_once(function, empty))
    return results


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def summarize_imports(results: dict[str, dict]) -> dict[str, dict]:
    summary = {}
    for function, runs in results.items():
        bytecode, source = runs["bytecode"], runs["source"]
        packages: dict[str, float] = {}
        for run in bytecode:
            for name, ms in run["packages_ms"].items():
                packages.setdefault(name, []).append(ms)
        heaviest = sorted(((statistics.median(v), k) for k, v in packages.items()), reverse=True)[:3]
        entry = {"importtime_ms": _median(bytecode, "importtime_ms"), "wall_ms": _median(bytecode, "wall_ms"),
                 "min_wall_ms": min(run["wall_ms"] for run in bytecode), "runs": len(bytecode),
                 "loaded": bytecode[-1]["loaded"], "heaviest_ms": {k: round(v, 1) for v, k in heaviest}}
        entry["collector_on_wall_ms"] = _median(runs["collector_on"], "wall_ms")
        entry["ratio_collector_on_to_paused"] = ratio(entry["collector_on_wall_ms"], entry["wall_ms"])
        if source:
            entry["source_only_wall_ms"] = _median(source, "wall_ms")
            entry["source_only_runs"] = len(source)
            entry["ratio_source_to_bytecode"] = ratio(entry["source_only_wall_ms"], entry["wall_ms"])
        if function in TARGETS_MS:
            entry["target_ms"] = TARGETS_MS[function]
            entry["target_met"] = entry["importtime_ms"] <= TARGETS_MS[function]
        summary[function] = entry
    return summary


@contextlib.contextmanager
def request_stack() -> Iterator[tuple[Any, Any, dict[str, dict], dict[str, str]]]:
    """A running stack with a viewer logged in and a film seeded: (stack, viewer client, the login and
    list events, the settings as environment variables for the children)."""
    # Imported here, not at the top: the import part of this bench runs on the standard library
    # alone (`--python python3.12 --path ... --no-first-request`, any interpreter, layers/ only
    # on the children's path); the first-request part needs the stack and its libraries.
    from bench.playlist import seed_video
    from bench.stack import running_stack
    from videoflix.settings import settings_to_environ

    email, password = "cold@bench.local", "bench-password-1"
    with running_stack() as stack:
        stack.user(email, password)
        viewer = stack.client()
        viewer.expect(200, "POST", "/api/login/", {"email": email, "password": password})
        seed_video(stack.services, segments=10)
        token = viewer.cookies["access_token"]
        headers = [("Content-Type", "application/json"), ("Origin", "http://127.0.0.1:5500"),
                   ("Host", "bench.local")]
        events = {
            "auth": _event(stack.gateway, "POST", "/api/login/", headers,
                           json.dumps({"email": email, "password": password}).encode()),
            "catalog": _event(stack.gateway, "GET", "/api/video/", [*headers, ("Cookie", f"access_token={token}")],
                              b""),
        }
        yield stack, viewer, events, settings_to_environ(stack.services.settings)


def _summarize_requests(results: dict[str, list[dict]], description: dict) -> dict[str, dict]:
    summary = {}
    for function, runs in results.items():
        entry = {key: statistics.median(run[key] for run in runs) for key in ("import_ms", "first_ms", "second_ms")}
        entry["cold_total_ms"] = entry["import_ms"] + entry["first_ms"]
        entry["runs"] = len(runs)
        entry["loaded_by_first_request"] = runs[-1]["loaded"]
        cache = "cached list" if description["redis"] == "Redis server" else "its own empty in-process cache"
        entry["request"] = "POST /api/login/" if function == "auth" else f"GET /api/video/ ({cache})"
        summary[function] = entry
    return summary


def measure_first_requests(rounds: int) -> dict[str, dict]:
    """Fresh interpreters serving one request (then a second) against a running stack."""
    results: dict[str, list[dict]] = {"auth": [], "catalog": []}
    with request_stack() as (stack, viewer, events, settings_env), \
            tempfile.TemporaryDirectory(prefix="videoflix-bench-pyc-") as folder:
        compiled = Path(folder)
        for function in results:  # primes the compiled cache, untimed
            _serve(function, events[function], settings_env, compiled, write_bytecode=True)
        for round_number in range(rounds):
            print(f"first-request round {round_number + 1} ...", flush=True)
            for function in results:
                viewer.expect(200, "GET", "/api/video/")  # the list is cached, as for a busy catalog
                results[function].append(_serve(function, events[function], settings_env, compiled))
        description = stack.description
    return {"functions": _summarize_requests(results, description), "stack": description}


def compare_with(baseline: Path, rounds: int) -> dict:
    """This checkout against `baseline` (another checkout, e.g. `git worktree add /tmp/before <commit>`),
    side by side in one run: each round imports every handler and serves the two first requests from
    one tree, then the other, so both see the same machine and the same stack. Ratios are after/before."""
    trees = {"before": baseline.resolve(), "after": ROOT}
    imports: dict[str, dict[str, list[dict]]] = {name: {f: [] for f in FUNCTIONS} for name in trees}
    requests: dict[str, dict[str, list[dict]]] = {name: {"auth": [], "catalog": []} for name in trees}
    with request_stack() as (stack, viewer, events, settings_env), \
            tempfile.TemporaryDirectory(prefix="videoflix-bench-pyc-") as folder:
        for name, root in trees.items():  # primes each tree's compiled cache, untimed
            CHILD["root"] = root
            for function in FUNCTIONS:
                import_once(function, Path(folder) / name, write_bytecode=True)
            for function in requests[name]:
                _serve(function, events[function], settings_env, Path(folder) / name, write_bytecode=True)
        for round_number in range(rounds):
            print(f"side-by-side round {round_number + 1} ...", flush=True)
            for name in (("before", "after") if round_number % 2 == 0 else ("after", "before")):
                CHILD["root"] = trees[name]
                for function in FUNCTIONS:
                    imports[name][function].append(import_once(function, Path(folder) / name))
                for function in requests[name]:
                    viewer.expect(200, "GET", "/api/video/")
                    requests[name][function].append(_serve(function, events[function], settings_env,
                                                           Path(folder) / name))
        description = stack.description
    CHILD["root"] = ROOT
    result: dict = {"baseline": str(trees["before"]), "rounds": rounds, "stack": description, "functions": {}}
    rows = []
    for function in FUNCTIONS:
        before, after = (_median(imports[name][function], "wall_ms") for name in ("before", "after"))
        entry = {"import_wall_ms_before": before, "import_wall_ms_after": after, "import_ratio": ratio(after, before)}
        row = [function, before, after, f"{ratio(after, before):.2f}x"]
        if function in requests["after"]:
            first = {name: _summarize_requests({function: requests[name][function]}, description)[function]
                     for name in trees}
            entry.update(first_ms_before=first["before"]["first_ms"], first_ms_after=first["after"]["first_ms"],
                         first_ratio=ratio(first["after"]["first_ms"], first["before"]["first_ms"]),
                         cold_total_ms_before=first["before"]["cold_total_ms"],
                         cold_total_ms_after=first["after"]["cold_total_ms"],
                         cold_total_ratio=ratio(first["after"]["cold_total_ms"], first["before"]["cold_total_ms"]))
            row += [entry["first_ms_before"], entry["first_ms_after"], f"{entry['first_ratio']:.2f}x",
                    entry["cold_total_ms_before"], entry["cold_total_ms_after"], f"{entry['cold_total_ratio']:.2f}x"]
        else:
            row += ["-"] * 6
        result["functions"][function] = entry
        rows.append(row)
    print_table(f"Before ({trees['before']}) and after (this checkout), side by side, medians of {rounds} rounds; "
                f"{description['database']}, {description['redis']}",
                ["function", "import ms before", "after", "after/before", "first request ms before", "after",
                 "after/before", "import + first before", "after", "after/before"], rows)
    cold = {name: cold_targets({f: {"cold_total_ms": result["functions"][f][f"cold_total_ms_{name}"]}
                                for f in ("auth", "catalog")}) for name in trees}
    result["targets"] = {"before": verdicts(cold["before"]), "after": print_targets(cold["after"], "this checkout")}
    return result


def cold_targets(first_requests: dict[str, dict]) -> dict[str, float]:
    """Issue 25's cold targets from the first-request summary: import + first request of auth and catalog."""
    return {f"{function}_cold": first_requests[function]["cold_total_ms"] for function in ("auth", "catalog")
            if function in first_requests}


def _event(gateway, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> dict:
    route, params = gateway.match(path)
    return gateway.build_event(route.template, method, path, "", headers, body, "198.51.100.9", params)


def _serve(function: str, event: dict, settings_env: dict[str, str], pycache: Path,
           write_bytecode: bool = False) -> dict:
    from videoflix_tools.functions import HANDLERS  # the first-request part's, as above

    code = f"HEAVY = {HEAVY!r}\nHANDLER = {HANDLERS[function][1]!r}\n{REQUEST_CHILD}"
    env = _environment(pycache, write_bytecode, {**settings_env, "BENCH_EVENT": json.dumps(event)})
    done = subprocess.run([CHILD["python"], "-c", code], cwd=Path(CHILD["root"]) / "functions" / function, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{function} request failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != [200, 200]:
        raise RuntimeError(f"{function} answered {result['status']}")
    return result


def run(rounds: int, source_rounds: int, first_request: bool) -> dict:
    summary = summarize_imports(measure_imports(rounds, source_rounds))
    rows = []
    for function, s in summary.items():
        target = f"<= {s['target_ms']:.0f}: {'met' if s['target_met'] else 'NOT met'}" if "target_ms" in s else ""
        rows.append([function, s["importtime_ms"], s["wall_ms"], s["collector_on_wall_ms"],
                     f"{s['ratio_collector_on_to_paused']:.2f}x", s.get("source_only_wall_ms", "-"),
                     f"{s['ratio_source_to_bytecode']:.1f}x" if "ratio_source_to_bytecode" in s else "-",
                     ", ".join(f"{k} {v:.0f}" for k, v in s["heaviest_ms"].items()), target])
    print_table(f"Handler import in a fresh interpreter, medians of {rounds} (bytecode, both ways) and "
                f"{source_rounds} (source only) runs, {os.cpu_count()} CPUs",
                ["function", "importtime ms", "wall ms", "collector-on wall ms", "on/paused", "source-only wall ms",
                 "source/bytecode", "heaviest packages (ms)", "target"], rows)
    print("\nheavy libraries loaded by the import:")
    for function, s in summary.items():
        print(f"  {function:11} {', '.join(s['loaded']) or '-'}")
    result: dict = {"imports": summary, "rounds": rounds, "source_rounds": source_rounds}
    if first_request:
        first = measure_first_requests(max(1, rounds))
        rows = [[f, s["request"], s["import_ms"], s["first_ms"], s["cold_total_ms"], s["second_ms"],
                 f"{ratio(s['first_ms'], s['second_ms']):.1f}x"] for f, s in first["functions"].items()]
        print_table(f"First request in a fresh interpreter (bytecode), medians; {first['stack']['database']}, "
                    f"{first['stack']['redis']}",
                    ["function", "request", "import ms", "first request ms", "cold total ms", "second request ms",
                     "first/second"], rows)
        print("\nheavy libraries loaded by the first request:")
        for function, s in first["functions"].items():
            print(f"  {function:11} {', '.join(s['loaded_by_first_request']) or '-'}")
        result["first_request"] = first
        runs = first["functions"]["auth"]["runs"]
        result["targets"] = print_targets(cold_targets(first["functions"]), f"import + first request, medians of {runs}")
    else:
        print_targets({}, "--no-first-request: the cold targets need the first request")
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh interpreters per function (default 5)")
    parser.add_argument("--source-rounds", type=int, default=2,
                        help="of those also without bytecode, slow (default 2; 0 skips)")
    parser.add_argument("--no-first-request", action="store_true", help="skip the first-request part")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter of the fresh processes, e.g. the runtime's python3.12")
    parser.add_argument("--path", default="", help="library folders after layers/, e.g. .aws-sam/layer/python")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout to compare with, side by side (e.g. a `git worktree` of main)")
    args = parser.parse_args(argv)
    folders = [str(Path(folder).resolve()) for folder in args.path.split(os.pathsep) if folder]
    CHILD.update(python=args.python, path=os.pathsep.join(folders))
    if args.baseline is not None:
        write_result("cold_start_compare", compare_with(args.baseline, max(1, args.rounds)), module="cold_start")
        return
    write_result("cold_start", run(max(1, args.rounds), max(0, args.source_rounds), not args.no_first_request))


if __name__ == "__main__":
    main()
