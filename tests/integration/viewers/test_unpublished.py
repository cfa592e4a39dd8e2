"""Viewers' features and the staff console's publishing together: an unpublished film is never found,
counted, continued, previewed or captioned for viewers; staff still play (and preview) it."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from videoflix.adapters.aws import aws_client
from videoflix.db.models import Video
from videoflix.domain.storyboard import STORYBOARD_FILE, STORYBOARD_META, plan_storyboard

pytestmark = pytest.mark.integration
VTT = "WEBVTT\n\n00:01.000 --> 00:04.000\nHallo\n"


def publish(services, video_id: int, published: bool) -> None:
    with services.db.session() as session:
        session.execute(update(Video).where(Video.id == video_id).values(published=published))


@pytest.fixture
def films(services, staff_client, ready_film):
    """A published film and an unpublished one, each with a storyboard and German captions."""
    shown = ready_film(title="Shown", category="SciFi", description="space", age_minutes=2)
    draft = ready_film(title="Draft space", category="Secret", description="space", age_minutes=1)
    s3, bucket = aws_client("s3", services.settings), services.settings.media_bucket
    for film in (shown, draft):
        s3.put_object(Bucket=bucket, Key=f"videos/{film}/{STORYBOARD_META}",
                      Body=plan_storyboard(100.0, 854, 480).to_json().encode())
        s3.put_object(Bucket=bucket, Key=f"videos/{film}/{STORYBOARD_FILE}", Body=b"\xff\xd8\xff\xd9")
        added = staff_client.post(f"/api/admin/videos/{film}/captions/", {"lang": "de", "content": VTT})
        assert added.status == 201, added.text
    publish(services, draft, False)
    return shown, draft


def test_search_pages_and_category_counts_leave_unpublished_films_out(viewer, staff_client, films):
    shown, draft = films
    for client in (viewer, staff_client):  # as the bare list: staff find drafts in the console
        assert client.get("/api/video/").json[0]["id"] == shown
        assert [v["id"] for v in client.get("/api/video/?q=space").json["items"]] == [shown]
        assert client.get("/api/video/?category=secret").json["total"] == 0
        assert client.get("/api/categories/").json == [{"name": "SciFi", "count": 1}]
    assert viewer.request("PATCH", f"/api/admin/videos/{draft}/", {"published": True}).status == 403
    assert staff_client.request("PATCH", f"/api/admin/videos/{draft}/", {"published": True}).status == 200
    assert [v["id"] for v in viewer.get("/api/video/?q=space").json["items"]] == [draft, shown]
    assert {c["name"] for c in viewer.get("/api/categories/").json} == {"SciFi", "Secret"}
    # Unpublished again: gone at once (the caches are dropped with the change).
    assert staff_client.request("PATCH", f"/api/admin/videos/{draft}/", {"published": False}).status == 200
    assert [v["id"] for v in viewer.get("/api/video/?q=space").json["items"]] == [shown]
    assert viewer.get("/api/categories/").json == [{"name": "SciFi", "count": 1}]


def test_storyboard_subtitles_and_progress_are_404_for_viewers_and_play_for_staff(viewer, staff_client, films):
    shown, draft = films
    for path in ("storyboard.vtt", "subtitles/de/index.m3u8", "master.m3u8"):
        assert viewer.get(f"/api/video/{shown}/{path}").status == 200
        assert viewer.get(f"/api/video/{draft}/{path}").status == 404
        assert staff_client.get(f"/api/video/{draft}/{path}").status == 200
    assert viewer.request("PUT", f"/api/video/{draft}/progress/", {"position_seconds": 30}).status == 404
    assert staff_client.request("PUT", f"/api/video/{draft}/progress/", {"position_seconds": 30}).status == 204


def test_the_continue_row_drops_a_film_once_it_is_unpublished(services, viewer, films):
    shown, draft = films
    publish(services, draft, True)
    for film in (shown, draft):
        assert viewer.request("PUT", f"/api/video/{film}/progress/", {"position_seconds": 30}).status == 204
    assert {item["id"] for item in viewer.get("/api/video/continue/").json} == {shown, draft}
    publish(services, draft, False)
    assert [item["id"] for item in viewer.get("/api/video/continue/").json] == [shown]


# A value for each path parameter of the catalog's film routes (the `films` fixture has all of them).
ROUTE_PARAMETERS = {"lang": "de", "resolution": "480p", "segment": "segment_00000.ts"}
ROUTE_BODIES = {"PUT": {"position_seconds": 30}}
ANSWERED = {200, 204, 302}


def film_routes() -> list[tuple[str, str]]:
    """(method, path template) of every catalog route about one film, read from the Chalice app itself."""
    from videoflix_tools.functions import load_handler

    app = load_handler("catalog")
    return sorted((method, path) for path, entries in app.routes.items() if "{video_id}" in path
                  for method in entries)


def fill(path: str, video_id: int) -> str:
    names = set(re.findall(r"{(\w+)}", path)) - {"video_id"}
    missing = names - set(ROUTE_PARAMETERS)
    assert not missing, f"{path}: give {sorted(missing)} a value in ROUTE_PARAMETERS"
    return path.format(video_id=video_id, **{name: ROUTE_PARAMETERS[name] for name in names})


def test_every_film_route_of_an_unpublished_film_is_404_for_viewers(viewer, staff_client, films):
    shown, draft = films
    routes = film_routes()
    assert {("GET", "/api/video/{video_id}/master.m3u8"), ("PUT", "/api/video/{video_id}/progress"),
            ("GET", "/api/video/{video_id}/{resolution}/{segment}")} <= set(routes)  # the reading works
    for method, path in routes:
        body = ROUTE_BODIES.get(method)
        # The same request answers for a published film and for staff: the 404 is the draft's alone.
        for client, film in ((viewer, shown), (staff_client, draft)):
            answer = client.request(method, fill(path, film), body)
            assert answer.status in ANSWERED, (method, path, film, answer.status, answer.text)
        answer = viewer.request(method, fill(path, draft), body)
        assert answer.status == 404, (method, path, answer.status, answer.text)
