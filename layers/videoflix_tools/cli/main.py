"""Entry point of the `videoflix` console script."""
from __future__ import annotations

import argparse
import sys

from videoflix_tools.cli.errors import CommandFailed
from videoflix_tools.cli.registry import register_commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="videoflix", description="Videoflix operations and admin tool.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except CommandFailed as exc:
        print(f"videoflix: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
