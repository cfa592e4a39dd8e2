"""Staff console, videos: edits, publishing (viewer vs staff, caches included), the admin view, history."""
from __future__ import annotations

import pytest

from tests.integration.console.conftest import history

pytestmark = pytest.mark.integration

NEW = {"title": "Draft", "description": "d", "category": "Drama", "filename": "film.mp4", "size": 1000,
       "content_type": "video/mp4"}
CONSOLE_ROUTES = [
    ("PATCH", "/api/admin/videos/1/", {"title": "x"}), ("POST", "/api/admin/videos/1/poster/", {"at_seconds": 1}),
    ("POST", "/api/admin/videos/1/poster/complete/", None), ("GET", "/api/admin/users/", None),
    ("PATCH", "/api/admin/users/1/", {"is_active": False}), ("DELETE", "/api/admin/users/1/", None),
    ("POST", "/api/admin/users/1/activation-email/", None), ("GET", "/api/admin/history/", None),
    ("GET", "/api/admin/queues/", None), ("POST", "/api/admin/queues/transcode-dlq/redrive/", None),
]


@pytest.mark.parametrize("method, path, body", CONSOLE_ROUTES)
def test_console_routes_refuse_anonymous_401_and_viewers_403(client, viewer, method, path, body):
    assert client.request(method, path, body).status == 401
    answer = viewer.request(method, path, body)
    assert answer.status == 403 and answer.json == {"detail": "Staff access required."}


def test_me_answers_who_is_signed_in(client, viewer, staff):
    assert client.get("/api/me/").status == 401
    me = viewer.get("/api/me/")
    assert me.status == 200 and me.json["email"] == "viewer@example.com" and me.json["is_staff"] is False
    assert set(me.json) == {"id", "email", "is_staff"} and isinstance(me.json["id"], int)
    assert staff.get("/api/me").json["is_staff"] is True


def test_an_edit_shows_in_the_catalog_on_the_next_request_and_is_recorded(make_video, viewer, staff):
    video_id = make_video("Old title")
    assert [v["title"] for v in viewer.get("/api/video/").json] == ["Old title"]  # now cached
    answer = staff.request("PATCH", f"/api/admin/videos/{video_id}/",
                           {"title": "  New title ", "description": "Line 1\nLine 2", "category": "Comedy"})
    assert answer.status == 200, answer.text
    assert (answer.json["title"], answer.json["category"], answer.json["published"]) == ("New title", "Comedy", True)
    [listed] = viewer.get("/api/video/").json
    assert (listed["title"], listed["description"], listed["category"]) == ("New title", "Line 1\nLine 2", "Comedy")
    [row] = history(staff)
    assert (row["actor"], row["action"], row["target_type"], row["target_id"]) == \
        ("admin@example.com", "video.edit", "video", str(video_id))
    assert row["changes"] == {"title": ["Old title", "New title"], "description": ["", "Line 1\nLine 2"],
                              "category": ["Drama", "Comedy"]}


@pytest.mark.parametrize("body, field", [
    ({"title": ""}, "title"), ({"title": 5}, "title"), ({"title": "x" * 201}, "title"),
    ({"category": "a\x1bb"}, "category"), ({"description": "\x00"}, "description"),
    ({"published": "yes"}, "published"), ({"published": None}, "published"), ({}, "non_field_errors"),
    ({"size": 5}, "non_field_errors"),
])
def test_an_edit_is_validated_as_a_new_video(make_video, staff, body, field):
    video_id = make_video("Kept")
    answer = staff.request("PATCH", f"/api/admin/videos/{video_id}/", body)
    assert answer.status == 400 and field in answer.json, answer.text
    assert staff.get(f"/api/admin/videos/{video_id}/").json["title"] == "Kept"
    assert history(staff) == []


def test_edit_of_an_unknown_video_is_404(staff):
    assert staff.request("PATCH", "/api/admin/videos/999/", {"title": "x"}).status == 404
    assert staff.request("PATCH", "/api/admin/videos/abc/", {"title": "x"}).status == 404


def _playback(client, video_id: int) -> list[int]:
    return [client.get(f"/api/video/{video_id}/master.m3u8").status,
            client.get(f"/api/video/{video_id}/480p/index.m3u8").status,
            client.get(f"/api/video/{video_id}/480p/segment_00000.ts/").status]


def test_unpublished_films_vanish_for_viewers_at_once_while_staff_preview_them(make_video, viewer, staff):
    video_id = make_video("Visible")
    # Warm every cache a viewer fills: the list, the ready-video entry and the playlist.
    assert len(viewer.get("/api/video/").json) == 1 and _playback(viewer, video_id) == [200, 200, 302]
    unpublished = staff.request("PATCH", f"/api/admin/videos/{video_id}", {"published": False})
    assert unpublished.status == 200 and unpublished.json["published"] is False
    assert viewer.get("/api/video/").json == []
    assert _playback(viewer, video_id) == [404, 404, 404]
    assert viewer.get(f"/api/video/{video_id}/master.m3u8").json == {"detail": "Video not found."}
    assert _playback(staff, video_id) == [200, 200, 302]  # preview
    assert _playback(viewer, video_id) == [404, 404, 404]  # staff's fill of the caches does not leak
    assert staff.request("PATCH", f"/api/admin/videos/{video_id}/", {"published": True}).status == 200
    assert len(viewer.get("/api/video/").json) == 1 and _playback(viewer, video_id) == [200, 200, 302]
    assert [row["action"] for row in history(staff)] == ["video.publish", "video.unpublish"]


def test_a_draft_is_created_unpublished_and_bad_flags_are_refused(staff, services):
    draft = staff.post("/api/admin/videos/", {**NEW, "published": False})
    assert draft.status == 201 and draft.json["video"]["published"] is False
    default = staff.post("/api/admin/videos/", NEW)
    assert default.status == 201 and default.json["video"]["published"] is True
    refused = staff.post("/api/admin/videos/", {**NEW, "published": "no"})
    assert refused.status == 400 and "published" in refused.json
    assert len(staff.get("/api/admin/videos/").json) == 2
    assert [(row["action"], row["changes"]["published"]) for row in history(staff)] == \
        [("video.upload", [None, True]), ("video.upload", [None, False])]


def test_unpublished_ready_video_is_listed_for_staff_in_the_admin_view(make_video, staff, viewer):
    video_id = make_video("Hidden", published=False)
    assert [v["published"] for v in staff.get("/api/admin/videos/").json] == [False]
    assert staff.get(f"/api/admin/videos/{video_id}/").json["published"] is False
    assert viewer.get("/api/video/").json == [] and _playback(viewer, video_id) == [404, 404, 404]


def test_deleting_a_video_is_recorded_with_its_title(make_video, staff):
    video_id = make_video("Gone")
    assert staff.delete(f"/api/admin/videos/{video_id}/").status == 200
    [row] = history(staff)
    assert (row["action"], row["target_id"], row["changes"]) == ("video.delete", str(video_id),
                                                                 {"title": ["Gone", None]})
