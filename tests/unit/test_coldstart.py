"""The garbage collector around a handler module's imports."""
from __future__ import annotations

import gc

import pytest

from videoflix.coldstart import collector_paused


@pytest.fixture
def collector_state():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


def test_no_collection_runs_while_paused_and_the_survivors_are_frozen_after(collector_state):
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append(info) if phase == "start" else None)
    try:
        gc.enable()
        gc.unfreeze()
        with collector_paused():
            assert not gc.isenabled()
            survivors = [[n] for n in range(200_000)]  # far past the first generation's threshold
            assert collections == []
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(survivors)
    finally:
        gc.callbacks.pop()


def test_a_collector_turned_off_before_stays_off(collector_state):
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_a_failing_import_still_turns_the_collector_back_on(collector_state):
    gc.enable()
    with pytest.raises(ImportError), collector_paused():
        raise ImportError("no module named 'missing'")
    assert gc.isenabled()
