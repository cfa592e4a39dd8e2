"""The latency targets of issue 25, and the table that says of each whether a run met it.

    catalog, cold: import + first GET /api/video/     <= 300 ms   (bench.cold_start)
    auth, cold: import + first login                  <= 480 ms   (bench.cold_start)
    cached rendition playlist, p50                    <= 1.5 ms   (bench.playlist)
    token refresh, p50                                <= 1.2 ms   (bench.api)

Each bench passes what it measured (milliseconds by target name); the table lists every target,
so a run shows which ones it checks and which bench checks the others. The standard library
only: bench.cold_start's import half runs on a bare interpreter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    name: str
    what: str
    limit_ms: float
    bench: str  # the command that measures it


TARGETS: tuple[Target, ...] = (
    Target("catalog_cold", "catalog, cold: import + first GET /api/video/", 300.0, "python -m bench.cold_start"),
    Target("auth_cold", "auth, cold: import + first login (bcrypt 12)", 480.0, "python -m bench.cold_start"),
    Target("playlist_cached_p50", "cached rendition playlist, p50", 1.5, "python -m bench.playlist"),
    Target("refresh_p50", "token refresh, p50", 1.2, "python -m bench.api"),
)
BY_NAME = {target.name: target for target in TARGETS}


def verdicts(measured: dict[str, float]) -> dict[str, dict[str, Any]]:
    """{name: {what, target_ms, measured_ms, met}} for each target this run measured."""
    unknown = set(measured) - set(BY_NAME)
    if unknown:
        raise KeyError(f"no such target: {', '.join(sorted(unknown))}")
    return {name: {"what": BY_NAME[name].what, "target_ms": BY_NAME[name].limit_ms, "measured_ms": round(value, 3),
                   "met": value <= BY_NAME[name].limit_ms}
            for name, value in measured.items()}


def target_rows(measured: dict[str, float]) -> list[list[str]]:
    """One row per target: what, target, this run's figure, met / NOT met (or which bench measures it)."""
    rows = []
    for target in TARGETS:
        if target.name in measured:
            value = measured[target.name]
            rows.append([target.what, f"<= {target.limit_ms:g} ms", f"{value:,.2f} ms",
                         "met" if value <= target.limit_ms else "NOT met"])
        else:
            rows.append([target.what, f"<= {target.limit_ms:g} ms", "-", f"not measured here: {target.bench}"])
    return rows


def print_targets(measured: dict[str, float], note: str = "") -> dict[str, dict[str, Any]]:
    """Print the issue-25 targets with met / NOT met for those in `measured`; returns `verdicts(measured)`."""
    result = verdicts(measured)
    rows = target_rows(measured)
    headers = ["target (issue 25)", "limit", "this run", "verdict"]
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]
    print(f"\nTargets{f' ({note})' if note else ''}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return result
