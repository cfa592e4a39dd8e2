"""Entry point of the `videoflix` console script."""
from __future__ import annotations

import argparse
import os
import sys

from videoflix_tools.cli.errors import CommandFailed
from videoflix_tools.cli.registry import register_commands

# Exit codes (README "Exit codes"): argparse's usage errors are 2.
EXIT_OK = 0
EXIT_FAILED = 1  # a one-line `videoflix: error: ...` on standard error
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl+C
EXIT_PIPE_CLOSED = 141  # standard output closed early (`| head`), as a shell reports SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="videoflix", description="Videoflix operations and admin tool.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.run(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except CommandFailed as exc:
        print(f"videoflix: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # `videoflix ... | head`: the reader has what it wanted. No traceback, and nothing more written
        # to the closed pipe when Python flushes standard output at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_PIPE_CLOSED


if __name__ == "__main__":
    sys.exit(main())
