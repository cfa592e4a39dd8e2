"""Every subcommand of `videoflix`, registered in the order `videoflix --help` lists them."""
from __future__ import annotations

from videoflix_tools.cli import admin, captions, cloudfront_keys, console, ops


def register_commands(commands) -> None:
    """Add each command group's parsers to `commands` (the top parser's subparsers)."""
    users_parser, users = ops.register(commands)
    # `videoflix users [--search Q]` and its actions are the staff console's (over the API),
    # beside the operator's `users create`.
    console.register_users(users_parser, users)
    admin.register(commands)
    captions.register(commands)
    console.register(commands)
    cloudfront_keys.register(commands)
