"""Finding films: GET /api/video/ with category, q, page, page_size; GET /api/categories/."""
from __future__ import annotations

import pytest

from tests.integration.viewers.conftest import set_status
from videoflix.effects import invalidate_catalog

pytestmark = pytest.mark.integration


@pytest.fixture
def films(ready_film):
    return {
        "space": ready_film(title="Space Odyssey", category="SciFi", description="Stars and a monolith", age_minutes=5),
        "moon": ready_film(title="Moon", category="SciFi", description="A lonely STATION", age_minutes=4),
        "storm": ready_film(title="The Storm", category="Drama", description="Rain, 100% wet_season", age_minutes=3),
        "quiet": ready_film(title="Quiet days", category="Drama", description="", age_minutes=2),
        "draft": ready_film(title="Space draft", category="SciFi", status="processing", age_minutes=1),
    }


def test_without_parameters_the_bare_array_is_unchanged(viewer, films):
    bare = viewer.get("/api/video/")
    assert isinstance(bare.json, list) and len(bare.json) == 4
    # Byte for byte what the list answered before: the same shape, and unknown parameters change nothing.
    assert viewer.get("/api/video/?utm=1").text == bare.text
    assert set(bare.json[0]) == {"id", "created_at", "title", "description", "thumbnail_url", "category"}


def test_a_category_gives_a_page_with_the_same_item_fields(viewer, films):
    bare = {v["id"]: v for v in viewer.get("/api/video/").json}
    page = viewer.get("/api/video/?category=scifi").json
    assert set(page) == {"items", "page", "page_size", "total"}
    assert [v["id"] for v in page["items"]] == [films["moon"], films["space"]]  # newest first, ready only
    assert page["page"] == 1 and page["page_size"] == 20 and page["total"] == 2
    for item in page["items"]:
        assert {k: v for k, v in item.items() if k != "thumbnail_url"} == \
            {k: v for k, v in bare[item["id"]].items() if k != "thumbnail_url"}


@pytest.mark.parametrize("q, expected", [
    ("space", ["space"]), ("STATION", ["moon"]), ("monolith", ["space"]), ("100%", ["storm"]),
    ("wet_", ["storm"]), ("n%s", []), ("e_s", []), ("nothing here", []), ("", ["quiet", "storm", "moon", "space"]),
])
def test_q_searches_title_and_description_case_insensitively(viewer, films, q, expected):
    from urllib.parse import quote

    page = viewer.get(f"/api/video/?q={quote(q)}").json
    assert [v["id"] for v in page["items"]] == [films[name] for name in expected]
    assert page["total"] == len(expected)


def test_pages(viewer, films):
    first = viewer.get("/api/video/?page_size=3").json
    second = viewer.get("/api/video/?page_size=3&page=2").json
    assert [v["id"] for v in first["items"]] == [films["quiet"], films["storm"], films["moon"]]
    assert [v["id"] for v in second["items"]] == [films["space"]]
    assert first["total"] == second["total"] == 4 and second["page"] == 2
    assert viewer.get("/api/video/?page=9").json == {"items": [], "page": 9, "page_size": 20, "total": 4}
    both = viewer.get("/api/video/?category=Drama&q=storm&page=1&page_size=1").json
    assert [v["id"] for v in both["items"]] == [films["storm"]] and both["total"] == 1


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=-1", "page"), ("page=abc", "page"), ("page=1.5", "page"), ("page=", "page"),
    ("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page_size=9999999999", "page_size"),
    ("q=" + "x" * 201, "q"), ("q=%00", "q"), ("category=" + "c" * 81, "category"), ("category=a%0Ab", "category"),
])
def test_bad_parameters_are_a_400_naming_them(viewer, films, query, field):
    answer = viewer.get(f"/api/video/?{query}")
    assert answer.status == 400 and list(answer.json) == [field], answer.text


def test_categories_count_ready_films(viewer, films):
    answer = viewer.get("/api/categories/")
    assert answer.status == 200
    assert answer.json == [{"name": "Drama", "count": 2}, {"name": "SciFi", "count": 2}]


def test_finding_needs_a_login(client, films):
    assert client.get("/api/video/?q=space").status == 401
    assert client.get("/api/categories/").status == 401


def test_cached_answers_are_dropped_when_a_film_changes(services, viewer, staff_client, films, ready_film):
    assert viewer.get("/api/video/?q=space").json["total"] == 1
    assert len(viewer.get("/api/categories/").json) == 2
    # Changed behind the catalog's back: the cached answers stay ...
    set_status(services, films["draft"], "ready")
    assert viewer.get("/api/video/?q=space").json["total"] == 1
    # ... until a change goes through the code that invalidates the catalog (every status change does).
    invalidate_catalog(services.redis)
    assert viewer.get("/api/video/?q=space").json["total"] == 2
    assert {c["name"]: c["count"] for c in viewer.get("/api/categories/").json}["SciFi"] == 3
    # Deleting a film through the admin API drops it at once.
    assert staff_client.delete(f"/api/admin/videos/{films['space']}/").status == 200
    assert [v["id"] for v in viewer.get("/api/video/?q=space").json["items"]] == [films["draft"]]
    assert {c["name"]: c["count"] for c in viewer.get("/api/categories/").json}["SciFi"] == 2
