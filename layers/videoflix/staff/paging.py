"""Page and search parameters of the console's lists, read from a query string."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from videoflix.errors import FieldErrors

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    def answer(self, items: list[dict[str, Any]], total: int) -> dict[str, Any]:
        return {"items": items, "page": self.page, "page_size": self.page_size, "total": total}


def parse_page(query: Mapping[str, str] | None) -> Page:
    """`page` (from 1) and `page_size` (1-100); anything else is a 400 naming the parameter."""
    query = query or {}
    problems: dict[str, list[str]] = {}

    def number(name: str, default: int, highest: int) -> int:
        raw = query.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9 or not 1 <= int(raw) <= highest:
            problems[name] = [f"Must be a whole number from 1 to {highest}."]
            return default
        return int(raw)

    page = number("page", 1, MAX_PAGE)
    page_size = number("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    if problems:
        raise FieldErrors(problems)
    return Page(page, page_size)
