"""Starting `videoflix dev` from outside: a stack that cannot start says why."""
from __future__ import annotations

import os

import pytest

from videoflix_tools.dev.launcher import launch_dev_stack
from videoflix_tools.dev.stack import free_port

pytestmark = pytest.mark.e2e


def test_a_stack_that_exits_at_once_is_reported_with_its_log(tmp_path):
    environ = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with pytest.raises(RuntimeError) as raised:
        launch_dev_stack(tmp_path, free_port(), environ, ["--no-such-option"], timeout=60)
    message = str(raised.value)
    assert "exited early (code 2)" in message
    assert "unrecognized arguments: --no-such-option" in message
    assert (tmp_path / "dev-stack.log").read_text() in message
