"""The state of each dependency: database, cache and the AWS endpoint."""
from __future__ import annotations

import time
from typing import Any, Callable

from sqlalchemy import text


def _probe(check: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a health check reports every failure, whatever its type
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:200]}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_health(services) -> dict[str, Any]:
    from videoflix.aws import aws_client

    settings = services.settings

    def database() -> None:
        with services.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def aws() -> None:
        aws_client("sqs", settings).get_queue_url(QueueName=settings.mail_queue_name)

    checks = {"database": _probe(database), "cache": _probe(services.redis.ping), "aws": _probe(aws)}
    overall = "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"
    return {"status": overall, "environment": settings.environment, **checks,
            "aws_endpoint": settings.aws_endpoint_url or "aws"}
