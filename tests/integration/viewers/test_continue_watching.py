"""Continue watching: PUT /api/video/<id>/progress/ and GET /api/video/continue/."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.viewers.conftest import set_status
from videoflix.db.models import WatchProgress
from videoflix.viewer.viewing import window_key

pytestmark = pytest.mark.integration


def put(client, video_id, body):
    return client.request("PUT", f"/api/video/{video_id}/progress/", body)


def stored(services, video_id: int) -> list[float]:
    with services.db.session() as session:
        return list(session.scalars(select(WatchProgress.position_seconds).where(WatchProgress.video_id == video_id)))


@pytest.fixture
def no_window(services):
    services.settings = services.settings.with_overrides(watch_progress_interval=0)


def test_a_position_is_stored_and_clamped_to_the_duration(services, viewer, ready_film, no_window):
    film = ready_film(duration=100.0)
    answer = put(viewer, film, {"position_seconds": 34.5})
    assert answer.status == 204 and answer.text == ""
    assert stored(services, film) == [34.5]
    assert put(viewer, film, {"position_seconds": 734.2}).status == 204
    assert stored(services, film) == [100.0]


@pytest.mark.parametrize("body, field", [
    ({}, "position_seconds"), ({"position_seconds": "12"}, "position_seconds"),
    ({"position_seconds": True}, "position_seconds"), ({"position_seconds": -1}, "position_seconds"),
    ({"position_seconds": None}, "position_seconds"), ({"position_seconds": 1e400}, "position_seconds"),
])
def test_a_bad_body_is_a_400_naming_the_field(viewer, ready_film, body, field):
    answer = put(viewer, ready_film(), body)
    assert answer.status == 400 and list(answer.json) == [field], answer.text


def test_not_json_is_a_400(viewer, ready_film):
    answer = viewer.request("PUT", f"/api/video/{ready_film()}/progress/", raw=b"12.5")
    assert answer.status == 400 and "detail" in answer.json


def test_an_unknown_or_unplayable_film_is_a_404(services, viewer, ready_film):
    assert put(viewer, 999999, {"position_seconds": 10}).status == 404
    processing = ready_film(status="processing")
    assert put(viewer, processing, {"position_seconds": 10}).status == 404
    assert stored(services, processing) == []


def test_progress_needs_a_login(client, ready_film):
    assert put(client, ready_film(), {"position_seconds": 10}).status == 401


def test_reports_inside_the_window_are_coalesced_and_the_newest_is_kept(services, viewer, ready_film):
    services.settings = services.settings.with_overrides(watch_progress_interval=60)
    film = ready_film(duration=600.0)
    assert put(viewer, film, {"position_seconds": 10}).status == 204
    for position in (15, 20, 25.5):
        assert put(viewer, film, {"position_seconds": position}).status == 204
    assert stored(services, film) == [10.0], "one write per window"
    # Reading the row writes what waits, so the newest position counts.
    [item] = viewer.get("/api/video/continue/").json
    assert item["position_seconds"] == 25.5 and stored(services, film) == [25.5]
    # The next window opens with the next report, written at once.
    services.redis.delete(window_key(_user_id(services), film))  # as when the window expires
    assert put(viewer, film, {"position_seconds": 40}).status == 204
    assert stored(services, film) == [40.0]


def _user_id(services) -> int:
    from videoflix.db.models import User

    with services.db.session() as session:
        return session.scalar(select(User.id).where(User.email == "viewer@example.com"))


def test_the_row_lists_started_unfinished_films_newest_first_with_the_list_fields(services, viewer, ready_film,
                                                                                 no_window):
    first, second, barely, finished = (ready_film(title=t, duration=100.0) for t in ("A", "B", "C", "D"))
    put(viewer, first, {"position_seconds": 30})
    put(viewer, second, {"position_seconds": 50})
    put(viewer, barely, {"position_seconds": 3})  # not started yet
    put(viewer, finished, {"position_seconds": 96})  # finished
    put(viewer, first, {"position_seconds": 31})  # most recent now
    answer = viewer.get("/api/video/continue/")
    assert answer.status == 200
    items = answer.json
    assert [i["id"] for i in items] == [first, second]
    listed = {v["id"]: v for v in viewer.get("/api/video/").json}
    for item in items:
        extra = {"position_seconds", "duration_seconds", "updated_at"}
        assert set(item) == set(listed[item["id"]]) | extra
        assert {k: v for k, v in item.items() if k not in extra and k != "thumbnail_url"} == \
            {k: v for k, v in listed[item["id"]].items() if k != "thumbnail_url"}
    assert items[0]["position_seconds"] == 31 and items[0]["duration_seconds"] == 100.0
    assert items[0]["updated_at"] >= items[1]["updated_at"]
    # Finishing a film takes it out of the row.
    put(viewer, second, {"position_seconds": 95})
    assert [i["id"] for i in viewer.get("/api/video/continue/").json] == [first]


def test_the_row_is_the_viewers_own(viewer, make_viewer, ready_film, no_window):
    film = ready_film()
    put(viewer, film, {"position_seconds": 30})
    other = make_viewer("other@example.com")
    assert other.get("/api/video/continue/").json == []
    assert len(viewer.get("/api/video/continue/").json) == 1


def test_deleting_a_film_removes_it_from_the_row(services, viewer, staff_client, ready_film, no_window):
    film, kept = ready_film(), ready_film()
    put(viewer, film, {"position_seconds": 30})
    put(viewer, kept, {"position_seconds": 30})
    assert staff_client.delete(f"/api/admin/videos/{film}/").status == 200
    assert [i["id"] for i in viewer.get("/api/video/continue/").json] == [kept]
    assert stored(services, film) == []  # ON DELETE CASCADE


def test_a_film_no_longer_ready_leaves_the_row(services, viewer, ready_film, no_window):
    film = ready_film()
    put(viewer, film, {"position_seconds": 30})
    set_status(services, film, "failed")
    assert viewer.get("/api/video/continue/").json == []


def test_continue_is_not_taken_for_a_video_id(viewer, client):
    assert client.get("/api/video/continue/").status == 401
    assert viewer.get("/api/video/continue").json == []
