"""The command line's one error type: what every command raises for the user to read."""
from __future__ import annotations


class CommandFailed(Exception):
    """A one-line error for the user (what went wrong and what to do)."""
