"""Each test starts from an empty log context: a use case called directly (outside a handler's
invocation) in an earlier test may have bound a user to this thread's context."""
from __future__ import annotations

import pytest

from videoflix.observability.logs import log_context


@pytest.fixture(autouse=True)
def empty_log_context():
    with log_context(request_id=None, video_id=None, user_id=None):
        yield
