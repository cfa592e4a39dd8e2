"""Finding films: the catalog list filtered (category, title/description search) and paged, and
the categories with their counts. Ready, published films only (as the list: staff preview drafts
from the console, never here); answers cached like the list."""
from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from videoflix.adapters.hash_cache import hash_get, hash_set
from videoflix.domain.cache_keys import CATALOG_CATEGORIES, CATALOG_QUERIES
from videoflix.domain.media_layout import THUMBNAIL_URL_TTL  # the longest poster URL: retired posters outlive it
from videoflix.errors import FieldErrors
from videoflix.services import Services

QUERY_PARAMS = ("category", "q", "page", "page_size")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
MAX_QUERY_LENGTH = 200
MAX_CATEGORY_LENGTH = 80


@dataclass(frozen=True)
class VideoQuery:
    category: str  # "" when not filtered
    q: str
    page: int
    page_size: int

    def cache_field(self) -> str:
        return json.dumps([self.category.lower(), self.q.lower(), self.page, self.page_size])


def parse_video_query(params: Mapping[str, str] | None) -> VideoQuery | None:
    """The query of `GET /api/video/?...`; None without any of its parameters (the bare list)."""
    params = params or {}
    if not any(name in params for name in QUERY_PARAMS):
        return None
    problems: dict[str, list[str]] = {}

    def text(name: str, limit: int) -> str:
        value = (params.get(name) or "").strip()
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            problems[name] = ["Control characters are not allowed."]
        elif len(value) > limit:
            problems[name] = [f"Ensure this field has no more than {limit} characters."]
        return value

    def number(name: str, default: int, highest: int) -> int:
        raw = params.get(name)
        if raw is None:
            return default
        raw = raw.strip()
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9 or not 1 <= int(raw) <= highest:
            problems[name] = [f"Must be a whole number from 1 to {highest}."]
            return default
        return int(raw)

    query = VideoQuery(category=text("category", MAX_CATEGORY_LENGTH), q=text("q", MAX_QUERY_LENGTH),
                       page=number("page", 1, MAX_PAGE), page_size=number("page_size", DEFAULT_PAGE_SIZE,
                                                                          MAX_PAGE_SIZE))
    if problems:
        raise FieldErrors(problems)
    return query


class Finder:
    def __init__(self, services: Services, thumbnail_url: Callable[[str], str] | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.thumbnail_url = thumbnail_url or (lambda key: services.storage.presign_media(key, THUMBNAIL_URL_TTL))

    def _ttl(self) -> int:
        # Far shorter than the thumbnail URLs live, so a cached URL is always valid (as for the list).
        return min(self.settings.catalog_cache_ttl, 3600)

    def search(self, query: VideoQuery) -> dict[str, Any]:
        field = query.cache_field()
        cached = hash_get(self.services.cache, CATALOG_QUERIES, field)
        if cached is not None:
            return cached
        from videoflix.viewer.finding_rows import found_videos  # the ORM: a cache miss only
        items, total = found_videos(self.services.db, query.category, query.q, query.page, query.page_size,
                                    self.thumbnail_url)
        answer = {"items": items, "page": query.page, "page_size": query.page_size, "total": total}
        hash_set(self.services.cache, CATALOG_QUERIES, field, answer, self._ttl(), self.settings.search_cache_bytes)
        return answer

    def categories(self) -> list[dict[str, Any]]:
        cached = hash_get(self.services.cache, CATALOG_CATEGORIES, "all")
        if cached is not None:
            return cached
        from videoflix.viewer.finding_rows import category_counts  # the ORM: a cache miss only
        rows = category_counts(self.services.db)
        answer = [{"name": name, "count": count} for name, count in sorted(rows, key=lambda r: (r[0].lower(), r[0]))]
        hash_set(self.services.cache, CATALOG_CATEGORIES, "all", answer, self._ttl(), self.settings.search_cache_bytes)
        return answer
