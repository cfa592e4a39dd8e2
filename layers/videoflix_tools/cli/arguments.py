"""Argument types the subcommands share."""
from __future__ import annotations

import argparse


def parse_video_id(raw: str) -> int:
    """A video id: a positive whole number."""
    if not raw.isdigit() or int(raw) <= 0:
        raise argparse.ArgumentTypeError(f"a video id is a positive number, got {raw!r}")
    return int(raw)
