"""The local stack: embedded AWS, API gateway emulation, queue pump (development only)."""
