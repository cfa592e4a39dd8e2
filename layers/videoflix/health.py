"""The state of each dependency: database, cache and the AWS endpoint."""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

from videoflix.adapters.aws import aws_client

log = logging.getLogger("videoflix.health")

# What the public answer says of a failed check: its state only. The reason (host names, ports,
# driver messages) goes to the log, for the operator.
DOWN = {"status": "down", "error": "unavailable"}


def _probe(name: str, check: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # a health check reports every failure, whatever its type
        log.warning("health check %s is down: %s: %s", name, type(exc).__name__, exc)
        return dict(DOWN)
    return {"status": "ok", "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def check_health(services) -> dict[str, Any]:
    settings = services.settings

    def database() -> None:
        services.db.run(lambda sql: sql.one("SELECT 1"))

    def aws() -> None:
        aws_client("sqs", settings).get_queue_url(QueueName=settings.mail_queue_name)

    checks = {"database": _probe("database", database), "cache": _probe("cache", services.cache.ping),
              "aws": _probe("aws", aws)}
    overall = "ok" if all(c["status"] == "ok" for c in checks.values()) else "degraded"
    return {"status": overall, "environment": settings.environment, **checks,
            "aws_endpoint": settings.aws_endpoint_url or "aws"}
