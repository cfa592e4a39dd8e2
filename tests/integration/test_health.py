"""/api/health/ tells the public only the state of each dependency; the reason goes to the log."""
from __future__ import annotations

import logging

import pytest
import redis

pytestmark = pytest.mark.integration


def test_a_down_dependency_answers_its_state_without_the_exception_text(client, services, caplog):
    # A refused connection: redis-py puts the host, the port and the OS error in its message.
    services.redis = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="videoflix.health"):
        answer = client.get("/api/health/")
    assert answer.status == 503
    body = answer.json
    assert set(body) == {"status", "environment", "database", "cache", "aws", "aws_endpoint"}
    assert body["status"] == "degraded"
    assert body["cache"] == {"status": "down", "error": "unavailable"}
    assert body["database"]["status"] == "ok" and body["aws"]["status"] == "ok"
    for leaked in ("ConnectionError", "127.0.0.1:1", "Error ", "refused", "Connection"):
        assert leaked not in answer.text, answer.text
    # The operator still learns why: the exception type and text are in the log.
    [record] = [r for r in caplog.records if r.name == "videoflix.health"]
    assert record.levelno == logging.WARNING
    logged = record.getMessage()
    assert "cache" in logged and "ConnectionError" in logged and "127.0.0.1:1" in logged


def test_a_healthy_answer_keeps_its_shape(client, caplog):
    with caplog.at_level(logging.WARNING, logger="videoflix.health"):
        answer = client.get("/api/health/")
    assert answer.status == 200
    body = answer.json
    assert set(body) == {"status", "environment", "database", "cache", "aws", "aws_endpoint"}
    for part in ("database", "cache", "aws"):
        assert set(body[part]) == {"status", "latency_ms"} and body[part]["status"] == "ok"
    assert not [r for r in caplog.records if r.name == "videoflix.health"]
