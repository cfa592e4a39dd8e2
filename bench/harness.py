"""The shared bench harness: timing loops, percentiles, a plain table, and a JSON result file.

Every benchmark compares two ways of doing one thing inside the same run, so the noise of a
shared machine hits both sides alike: the ratio is the figure to read, the absolute times
only say what this machine did today.
"""
from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"


def percentile(samples: Sequence[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default), `share` in [0, 1]."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    position = (len(ordered) - 1) * share
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p99/mean/min/max in milliseconds, and the sample count."""
    return {"n": len(seconds), "p50_ms": percentile(seconds, 0.50) * 1000,
            "p99_ms": percentile(seconds, 0.99) * 1000, "mean_ms": sum(seconds) / len(seconds) * 1000,
            "min_ms": min(seconds) * 1000, "max_ms": max(seconds) * 1000}


def time_calls(call: Callable[[], Any], repeat: int, warmup: int = 0,
               before: Callable[[], Any] | None = None) -> list[float]:
    """Wall seconds of each of `repeat` calls after `warmup` untimed ones; `before` runs untimed each time."""
    for _ in range(warmup):
        if before:
            before()
        call()
    samples = []
    for _ in range(repeat):
        if before:
            before()
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def interleaved(calls: dict[str, Callable[[], Any]], repeat: int, warmup: int = 1,
                before: dict[str, Callable[[], Any]] | None = None) -> dict[str, list[float]]:
    """Time several variants in alternation, so a burst of load elsewhere skews none of them alone."""
    before = before or {}
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for round_number in range(warmup + repeat):
        for name, call in calls.items():
            if name in before:
                before[name]()
            started = time.perf_counter()
            call()
            elapsed = time.perf_counter() - started
            if round_number >= warmup:
                samples[name].append(elapsed)
    return samples


def ratio(slow: float, fast: float) -> float:
    return slow / fast if fast > 0 else math.inf


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A fixed-width text table; floats get two decimals."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print("  ".join(str(h).ljust(w) for h, w in zip(headers, widths)))
    print(line)
    for row in cells:
        print("  ".join(value.rjust(w) if _is_number(value) else value.ljust(w) for value, w in zip(row, widths)))


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "inf" if math.isinf(value) else f"{value:,.2f}"
    return str(value)


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).replace("x", "").replace("-", "", 1).isdigit()


def machine() -> dict[str, Any]:
    """What the figures depend on: CPU count, the load others put on it, Python, the commit."""
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                            "cpus": os.cpu_count()}
    try:
        info["load_average"] = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        info["commit"] = None
    return info


def write_result(name: str, result: dict[str, Any], directory: Path | None = None, module: str | None = None) -> Path:
    """bench/results/<name>.json (the latest run) with the machine and the command line (of `bench.<module>`,
    by default `bench.<name>`) added."""
    folder = directory or RESULTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    document = {"benchmark": name, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "command": " ".join(["python -m", f"bench.{module or name}", *sys.argv[1:]]), "machine": machine(),
                **result}
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\nresult written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return path
