"""`make fuzz`: Hypothesis fuzzing of the pure parsers, with figures.

Each target is a Hypothesis strategy and a property: the parser either answers with a
value of the documented shape or raises one of its documented domain errors, and
round-trips hold where they apply (the targets: videoflix_tools/testing/fuzz_targets.py).
`tests/unit/test_fuzz_properties.py` runs the same targets with a small example budget in
`make test`; this script runs them with a large one:

    python -m bench.fuzz [--examples 5000] [--seconds 300] [--target NAME ...]

It prints, per target, the cases run, the failures (0 or 1: Hypothesis stops at the first
failure and shrinks it to a minimal example, printed below the table) and the time taken,
and exits 1 if any target failed. `--seconds` bounds the whole run.
"""
from __future__ import annotations

import argparse
import sys
import time

from videoflix_tools.testing.fuzz_targets import TARGETS


def describe_failure(exc: BaseException) -> str:
    """Each distinct failure Hypothesis found: the error and its minimal (falsifying) example."""
    parts = []
    for error in getattr(exc, "exceptions", None) or [exc]:
        notes = "\n".join(getattr(error, "__notes__", []))
        parts.append(f"{type(error).__name__}: {error}\n{notes}".strip())
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make fuzz", description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per target (default 5000)")
    parser.add_argument("--seconds", type=float, default=300.0, help="time budget of the whole run (default 300)")
    parser.add_argument("--target", action="append", choices=[t.name for t in TARGETS],
                        help="run only these targets (repeatable)")
    args = parser.parse_args(argv)
    chosen = [t for t in TARGETS if not args.target or t.name in args.target]
    share = args.seconds / len(chosen)
    failures: list[tuple[str, str]] = []
    print(f"{'target':<26}{'cases':>8}{'failures':>10}{'seconds':>9}  what")
    started = time.monotonic()
    for target in chosen:
        began = time.monotonic()
        try:
            target.run(args.examples, seconds=share)
            failed = 0
        except Exception as exc:  # a failed property, with its minimal example
            failed = 1
            failures.append((target.name, describe_failure(exc)))
        print(f"{target.name:<26}{target.cases:>8}{failed:>10}{time.monotonic() - began:>9.1f}  {target.description}",
              flush=True)
    total = sum(t.cases for t in chosen)
    print(f"{len(chosen)} targets, {total} cases in {time.monotonic() - started:.1f} s, "
          f"{len(failures)} failing")
    for name, text in failures:
        print(f"\n--- {name} ---\n{text[:3000]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
