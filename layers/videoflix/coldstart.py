"""How a handler module imports its libraries on a cold start: without the cyclic garbage collector.

An import creates hundreds of thousands of objects (SQLAlchemy alone most of them) and none
of them is garbage, yet each allocation burst trips the collector, which walks them again and
again: about a sixth of the import (bench/cold_start.py measures it both ways). Afterwards the
survivors are frozen, so the collections that requests trigger skip them too.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Wrap a handler module's imports: no collections inside, the imported objects frozen after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
