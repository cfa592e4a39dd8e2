"""Every staff write route of the admin function records who changed what, in the transaction of the
change: the routes are read from the Chalice app itself, so a new one fails here until it records."""
from __future__ import annotations

import io
from typing import Callable

import pytest
import requests
from PIL import Image

from tests.integration.console.conftest import STAFF, history
from tests.support.videos import set_video
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.auth.service import create_user
from videoflix_tools.functions import load_function_module
from videoflix_tools.testing.multipart import put_parts

pytestmark = pytest.mark.integration
VTT = "WEBVTT\n\n00:01.000 --> 00:02.000\nHallo\n"


def write_routes() -> set[tuple[str, str]]:
    """(method, path) of every route of the admin app that is not a GET, paths without their trailing slash."""
    app = load_function_module("admin").app
    return {(method, path.rstrip("/")) for path, methods in app.routes.items() for method in methods
            if method not in ("GET", "HEAD", "OPTIONS")}


# A file that starts like an MP4 (an `ftyp` box): a retry refuses to queue anything that is not a video.
MP4_LIKE = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 976


def _uploaded(staff, data: bytes = MP4_LIKE) -> tuple[int, list[dict]]:
    created = staff.post("/api/admin/videos/", {"title": "Upload", "category": "Drama", "filename": "f.mp4",
                                                "size": len(data), "content_type": "video/mp4"})
    assert created.status == 201, created.text
    return created.json["video"]["id"], put_parts(created.json["upload"], data)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def scenarios(services, staff, make_video) -> dict[tuple[str, str], tuple[str, Callable[[], object]]]:
    """For each write route: the action its history row names, and a call that changes something."""
    film = make_video("Film")

    def complete_upload():
        video_id, parts = _uploaded(staff)
        return staff.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts})

    def retry():
        video_id, parts = _uploaded(staff)
        assert staff.post(f"/api/admin/videos/{video_id}/upload/complete/", {"parts": parts}).status == 200
        set_video(services, video_id, status="failed", error="test")
        return staff.post(f"/api/admin/videos/{video_id}/retry/")

    def remove_caption():
        assert staff.post(f"/api/admin/videos/{film}/captions/", {"lang": "fr", "content": VTT}).status == 201
        return staff.request("DELETE", f"/api/admin/videos/{film}/captions/fr/")

    def complete_poster():
        plan = staff.post(f"/api/admin/videos/{film}/poster/", {"content_type": "image/png",
                                                                 "size": len(_png())}).json["upload"]
        assert requests.put(plan["url"], data=_png(), headers=plan["headers"], timeout=30).status_code == 200
        return staff.post(f"/api/admin/videos/{film}/poster/complete/")

    def user(email: str, active: bool = True) -> int:
        create_user(services, email, "a-good-password-1", active=active)
        return next(u["id"] for u in staff.get(f"/api/admin/users/?q={email}").json["items"] if u["email"] == email)

    def redrive():
        dlq = queue_url(services.settings, services.settings.mail_queue_name + "-dlq")
        aws_client("sqs", services.settings).send_message(QueueUrl=dlq, MessageBody="{}")
        return staff.post("/api/admin/queues/mail-dlq/redrive/")

    videos, users = "/api/admin/videos", "/api/admin/users"
    return {
        ("POST", videos): ("video.upload", lambda: staff.post(f"{videos}/", {
            "title": "New", "category": "Drama", "filename": "n.mp4", "size": 10, "content_type": "video/mp4"})),
        ("PATCH", f"{videos}/{{video_id}}"): ("video.edit", lambda: staff.request(
            "PATCH", f"{videos}/{film}/", {"title": "Renamed"})),
        ("DELETE", f"{videos}/{{video_id}}"): ("video.delete", lambda: staff.request(
            "DELETE", f"{videos}/{make_video('Doomed')}/")),
        ("POST", f"{videos}/{{video_id}}/upload/complete"): ("video.upload_complete", complete_upload),
        ("POST", f"{videos}/{{video_id}}/retry"): ("video.retry", retry),
        ("POST", f"{videos}/{{video_id}}/captions"): ("caption.add", lambda: staff.post(
            f"{videos}/{film}/captions/", {"lang": "de", "content": VTT})),
        ("DELETE", f"{videos}/{{video_id}}/captions/{{lang}}"): ("caption.remove", remove_caption),
        ("POST", f"{videos}/{{video_id}}/poster"): ("video.poster", lambda: staff.post(
            f"{videos}/{film}/poster/", {"at_seconds": 1.0})),
        ("POST", f"{videos}/{{video_id}}/poster/complete"): ("video.poster", complete_poster),
        ("PATCH", f"{users}/{{user_id}}"): ("user.change", lambda: staff.request(
            "PATCH", f"{users}/{user('promoted@example.com')}/", {"is_staff": True})),
        ("DELETE", f"{users}/{{user_id}}"): ("user.delete", lambda: staff.request(
            "DELETE", f"{users}/{user('gone@example.com')}/")),
        ("POST", f"{users}/{{user_id}}/activation-email"): ("user.activation_email", lambda: staff.post(
            f"{users}/{user('pending@example.com', active=False)}/activation-email/")),
        ("POST", "/api/admin/queues/{name}/redrive"): ("queue.redrive", redrive),
    }


def test_every_staff_write_route_records_a_history_row(scenarios, staff):
    routes = write_routes()
    assert routes == set(scenarios), (
        f"write routes without a scenario here: {sorted(routes - set(scenarios))}; "
        f"scenarios without a route: {sorted(set(scenarios) - routes)}")
    for route, (action, call) in sorted(scenarios.items()):
        before = len(history(staff))
        answer = call()
        assert 200 <= answer.status < 300, f"{route}: {answer.status} {answer.text}"
        after = history(staff)
        new = after[:len(after) - before]  # newest first
        assert action in [row["action"] for row in new], f"{route} wrote no {action!r} history row: {new}"
        assert all(row["actor"] == STAFF for row in new), new
