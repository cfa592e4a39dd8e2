"""Dependencies built once per process (lazily), shared by handlers; tests swap them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from videoflix.db.session import Database
from videoflix.settings import Settings, load_settings


@dataclass
class Services:
    settings: Settings
    db: Database
    redis: Any
    outbox: Any

    @classmethod
    def from_settings(cls, settings: Settings) -> "Services":
        from videoflix.cache import connect_redis
        from videoflix.mail.outbox import SqsMailOutbox

        return cls(settings=settings, db=Database.from_url(settings.database_url),
                   redis=connect_redis(settings.redis_url), outbox=SqsMailOutbox(settings))


_current: Services | None = None


def get_services() -> Services:
    global _current
    if _current is None:
        _current = Services.from_settings(load_settings())
    return _current


def get_settings() -> Settings:
    return get_services().settings


def use_services(services: Services | None) -> None:
    """Install `services` for this process (tests, the dev stack); None resets to lazy loading."""
    global _current
    _current = services
