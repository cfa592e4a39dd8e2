"""Abuse limits: fixed-window counters in Redis, per email address and per client IP.

Each counter is one Redis key, `throttle:<limit>:<hash of the subject>`, created with the
window as its expiry and incremented in the same transaction (so a key never lives without
an expiry). Subjects are hashed: addresses typed by strangers never sit in Redis as text.

When Redis is unreachable the limits fail OPEN (the request goes on, a warning is logged).
They are a brake on guessing and on mail flooding, not a security boundary: a login still
needs the right password and costs a bcrypt verify, and API Gateway's stage throttling
still applies. Failing closed would turn a cache outage into nobody being able to log in or
register. Refresh and logout are different: there Redis holds the revocations, and they
fail CLOSED (503) in `revocation.py`.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from videoflix.errors import TooManyRequests
from videoflix.settings import Settings

log = logging.getLogger("videoflix.throttle")
HOUR = 3600
TOO_MANY = "Too many attempts. Please wait before trying again."


@dataclass(frozen=True)
class Limit:
    name: str
    max_count: int  # 0: no limit
    window: int     # seconds


Counter = tuple[Limit, str]  # a limit and the subject it counts (an address, an IP)


def client_key(client_ip: str) -> str:
    """The subject for an IP: IPv6 clients are counted per /64, since one host gets a whole /64."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _counters(email_limit: Limit, ip_limit: Limit, email: str, client_ip: str | None) -> list[Counter]:
    counters = [(email_limit, email)]
    if client_ip:
        counters.append((ip_limit, client_key(client_ip)))
    return counters


def login_counters(settings: Settings, email: str, client_ip: str | None) -> list[Counter]:
    """Failed logins: the address first (a success resets it), then the client IP."""
    window = settings.login_failure_window
    return _counters(Limit("login:email", settings.login_failures_per_email, window),
                     Limit("login:ip", settings.login_failures_per_ip, window), email, client_ip)


def registration_counters(settings: Settings, email: str, client_ip: str | None) -> list[Counter]:
    return _counters(Limit("register:email", settings.registrations_per_email_hour, HOUR),
                     Limit("register:ip", settings.registrations_per_ip_hour, HOUR), email, client_ip)


def password_reset_counters(settings: Settings, email: str, client_ip: str | None) -> list[Counter]:
    return _counters(Limit("reset:email", settings.password_resets_per_email_hour, HOUR),
                     Limit("reset:ip", settings.password_resets_per_ip_hour, HOUR), email, client_ip)


class Throttle:
    """Fixed-window counters; every method fails open when Redis is down (see the module doc)."""

    def __init__(self, redis: Any, redis_errors: Callable[[], tuple]) -> None:
        self._redis = redis
        self._errors = redis_errors

    @staticmethod
    def key(limit: Limit, subject: str) -> str:
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"throttle:{limit.name}:{digest}"

    def _run(self, build: Callable[[Any], None]) -> list | None:
        try:
            pipeline = self._redis.pipeline(transaction=True)
            build(pipeline)
            return pipeline.execute()
        except self._errors():
            log.warning("abuse limits skipped: Redis is unavailable", exc_info=True)
            return None

    @staticmethod
    def _active(counters: Iterable[Counter]) -> list[Counter]:
        return [(limit, subject) for limit, subject in counters if limit.max_count > 0]

    @staticmethod
    def _refuse_if_over(counters: list[Counter], counts_and_ttls: list, exceeds: Callable[[int, int], bool]) -> None:
        waits = []
        for (limit, _), count, ttl in zip(counters, counts_and_ttls[0::2], counts_and_ttls[1::2]):
            if exceeds(int(count or 0), limit.max_count):
                waits.append(ttl if isinstance(ttl, int) and ttl > 0 else limit.window)
        if waits:
            raise TooManyRequests(TOO_MANY, retry_after=max(waits))

    def check(self, counters: Iterable[Counter]) -> None:
        """TooManyRequests when a counter has reached its limit; counts nothing."""
        active = self._active(counters)
        if not active:
            return

        def build(pipeline: Any) -> None:
            for limit, subject in active:
                pipeline.get(self.key(limit, subject))
                pipeline.ttl(self.key(limit, subject))
        results = self._run(build)
        if results is not None:
            self._refuse_if_over(active, results, lambda count, most: count >= most)

    def hit(self, counters: Iterable[Counter]) -> None:
        """Count one event against each counter."""
        self._count(self._active(counters))

    def consume(self, counters: Iterable[Counter]) -> None:
        """Count one event, then TooManyRequests when a counter is now over its limit."""
        active = self._active(counters)
        results = self._count(active)
        if results is not None:
            self._refuse_if_over(active, results, lambda count, most: count > most)

    def _count(self, active: list[Counter]) -> list | None:
        if not active:
            return None

        def build(pipeline: Any) -> None:
            for limit, subject in active:
                key = self.key(limit, subject)
                pipeline.set(key, 0, ex=limit.window, nx=True)  # opens the window with its expiry
                pipeline.incr(key)
                pipeline.ttl(key)
        results = self._run(build)
        # Per counter: [set, count, ttl] -> keep [count, ttl].
        return None if results is None else [value for i, value in enumerate(results) if i % 3]

    def reset(self, counters: Iterable[Counter]) -> None:
        keys = [self.key(limit, subject) for limit, subject in counters]
        if keys:
            self._run(lambda pipeline: pipeline.delete(*keys))
