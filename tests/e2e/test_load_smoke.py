"""`make load` in small: 5 users for 5 seconds through the same code (bench/load.py), no errors."""
from __future__ import annotations

import os

import pytest

from bench.load import LoadConfig, default_redis_url, load_test
from videoflix_tools.testing.databases import sibling_database_url

pytestmark = pytest.mark.e2e


def test_a_small_load_has_no_errors(tmp_path):
    base = os.environ.get("TEST_DATABASE_URL", "")
    # PostgreSQL and Redis as CI has them (a database of its own), else the embedded services.
    database = sibling_database_url(base, "_loadsmoke") if base else f"sqlite:///{tmp_path}/load.sqlite3"
    redis = default_redis_url() if os.environ.get("TEST_REDIS_URL") else ""
    config = LoadConfig(database, redis, users=5, duration=5, max_requests=5_000)

    report = load_test(config, tmp_path, out=lambda line: None)

    print(f"\n{report.table()}")
    assert report.errors == 0, report.table()
    assert [e.name for e in report.endpoints] == ["video_list", "playlist", "token_refresh"]
    assert all(e.requests > 0 for e in report.endpoints), report.table()
    assert report.requests <= 5_000 and report.duration < 5 + 15
