"""The staff-console commands: edit, publish, upload --draft, poster, users, history, queues, insights."""
from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from tests.integration.cli.conftest import STAFF_EMAIL, one_line_error
from videoflix.auth.service import create_user
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.insights import SqlInsightsStore
from videoflix.db.models import User, Video, utcnow
from videoflix.domain.insights import fold_batch
from videoflix.domain.playback_events import BatchMessage, parse_batch

pytestmark = pytest.mark.integration


@pytest.fixture
def ready_video(ready_row) -> int:
    return ready_row(title="Old", size=1, duration=30.0)


def _video(services, video_id: int) -> Video:
    with services.db.session() as session:
        return session.get(Video, video_id)


def test_edit_publish_and_unpublish(logged_in, videoflix, services, ready_video):
    result = videoflix("edit", str(ready_video), "--title", "New", "--category", "Comedy")
    assert result.code == 0, result.err
    assert result.out.strip() == f"Video {ready_video} updated: New (Comedy)."
    assert (_video(services, ready_video).title, _video(services, ready_video).category) == ("New", "Comedy")
    assert videoflix("unpublish", str(ready_video)).out.strip() == \
        f"Video {ready_video} is unpublished: only staff see it."
    assert _video(services, ready_video).published is False
    published = videoflix("publish", str(ready_video), "--json")
    assert published.code == 0 and json.loads(published.out)["published"] is True
    assert "nothing to change" in one_line_error(videoflix("edit", str(ready_video)))
    refused = one_line_error(videoflix("edit", str(ready_video), "--title", ""))
    assert "the API answered 400: title: This field may not be blank." in refused
    assert "404" in one_line_error(videoflix("publish", "999"))


def test_upload_draft(logged_in, small_parts, film, videoflix, services, part_puts):
    result = videoflix("upload", str(film), "--title", "Draft", "--category", "Drama", "--draft")
    assert result.code == 0, result.err
    assert _video(services, 1).published is False


def test_poster_from_a_frame_and_from_an_image(logged_in, videoflix, services, ready_video, tmp_path):
    result = videoflix("poster", str(ready_video), "--at", "12.5")
    assert result.code == 0, result.err
    sqs = aws_client("sqs", services.settings)
    messages = sqs.receive_message(QueueUrl=queue_url(services.settings, services.settings.transcode_queue_name),
                                   MaxNumberOfMessages=10).get("Messages", [])
    assert {"kind": "poster", "video_id": ready_video, "at_seconds": 12.5} in [json.loads(m["Body"]) for m in messages]
    image = tmp_path / "poster.png"
    Image.new("RGB", (40, 30), (0, 128, 255)).save(image)
    result = videoflix("poster", str(ready_video), "--image", str(image))
    assert result.code == 0, result.err
    assert result.out.strip() == f"Video {ready_video} has a new poster from poster.png."
    with services.db.session() as session:  # each new poster has a name of its own (media_layout)
        key = session.get(Video, ready_video).thumbnail_key
    assert key.startswith(f"videos/{ready_video}/posters/")
    stored = aws_client("s3", services.settings).get_object(Bucket=services.settings.media_bucket,
                                                             Key=key)["Body"].read()
    assert Image.open(io.BytesIO(stored)).format == "JPEG"
    (tmp_path / "poster.gif").write_bytes(b"GIF89a")
    assert "not a .jpg, .jpeg or .png file" in one_line_error(videoflix("poster", str(ready_video), "--image",
                                                                       str(tmp_path / "poster.gif")))
    (tmp_path / "fake.png").write_bytes(b"not a picture")
    assert "image: The file is not a JPEG or PNG image." in one_line_error(
        videoflix("poster", str(ready_video), "--image", str(tmp_path / "fake.png")))


def test_users_listing_search_and_actions(logged_in, videoflix, services):
    create_user(services, "viewer@example.com", "correct-horse-9")
    create_user(services, "pending@example.com", "correct-horse-9", active=False)
    listing = videoflix("users")
    assert listing.code == 0, listing.err
    lines = listing.out.splitlines()
    assert lines[0].split() == ["ID", "EMAIL", "ACTIVE", "STAFF", "JOINED", "LAST", "LOGIN"]
    assert len(lines) == 4 and all(len(line) <= 100 for line in lines)
    found = json.loads(videoflix("users", "--search", "VIEW", "--json").out)
    assert [u["email"] for u in found["items"]] == ["viewer@example.com"]

    assert videoflix("users", "disable", "Viewer@example.com").out.strip() == \
        "User viewer@example.com: disabled, not staff."
    assert videoflix("users", "enable", "viewer@example.com").code == 0
    assert videoflix("users", "grant-staff", "viewer@example.com").out.strip() == \
        "User viewer@example.com: active, staff."
    assert videoflix("users", "revoke-staff", "viewer@example.com").code == 0
    assert videoflix("users", "resend-activation", "pending@example.com").code == 0
    conflict = one_line_error(videoflix("users", "resend-activation", "viewer@example.com"))
    assert "409" in conflict and "active already" in conflict
    assert "your own account" in one_line_error(videoflix("users", "disable", STAFF_EMAIL))
    assert videoflix("users", "delete", "viewer@example.com").code == 0
    with services.db.session() as session:
        assert session.query(User).filter_by(email="viewer@example.com").first() is None
    unknown = one_line_error(videoflix("users", "disable", "nobody@example.com"))
    assert "no user with that address (nobody@example.com); `videoflix users --search nobody`" in unknown


def test_history_lists_changes_newest_first(logged_in, videoflix, ready_video):
    assert videoflix("history").out.strip() == "No changes recorded yet."
    videoflix("edit", str(ready_video), "--title", "First")
    videoflix("unpublish", str(ready_video))
    lines = videoflix("history").out.splitlines()
    assert lines[0].split()[:4] == ["AT", "(UTC)", "ACTOR", "ACTION"]
    assert "video.unpublish" in lines[1] and "published: True → False" in lines[1]
    assert "video.edit" in lines[2] and "title: Old → First" in lines[2] and STAFF_EMAIL in lines[2]
    rows = json.loads(videoflix("history", "--json", "--page-size", "1").out)
    assert rows["total"] == 2 and len(rows["items"]) == 1


def test_queues_and_redrive(logged_in, videoflix, services):
    sqs = aws_client("sqs", services.settings)
    dlq = queue_url(services.settings, services.settings.mail_queue_name + "-dlq")
    for n in range(3):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"n": n}))
    overview = videoflix("queues")
    assert overview.code == 0, overview.err
    rows = {line.split()[0]: line.split()[1:] for line in overview.out.splitlines()[1:11]}
    assert rows["mail-dlq"] == ["3", "0"] and set(rows) == {"transcode", "transcode-dlq", "chunk", "chunk-dlq",
                                                             "av1", "av1-dlq", "mail", "mail-dlq", "playback",
                                                             "playback-dlq"}
    assert "videoflix queues --redrive NAME" in overview.out
    moved = videoflix("queues", "--redrive", "mail-dlq")
    assert moved.out.strip() == "Moved 3 message(s) from mail-dlq back to mail."
    assert json.loads(videoflix("queues", "--json").out)["queues"][7]["visible"] == 0
    assert "404" in one_line_error(videoflix("queues", "--redrive", "nope"))


def test_insights_per_film_and_for_one_film(logged_in, videoflix, services, ready_video):
    assert "No playback from" in videoflix("insights").out
    events = [{"type": "view_start"}, {"type": "startup", "ms": 500}, {"type": "stall", "ms": 1500},
              {"type": "watched", "seconds": 15, "height": 720, "codec": "avc1.64001f"}]
    batch = parse_batch({"view_id": "view-cli-0001", "video_id": ready_video, "seq": 0, "events": events})
    with services.db.session() as session:
        fold_batch(SqlInsightsStore(session), BatchMessage(batch, "viewer-cli", utcnow().timestamp()), 30.0)
    listing = videoflix("insights")
    assert listing.code == 0, listing.err
    header, row = listing.out.splitlines()[1:3]
    assert header.split()[:3] == ["FILM", "VIEWS", "VIEWERS"]
    assert row.split()[:6] == [str(ready_video), "Old", "1", "1", "0.2", "50%"]  # 15 s of 30
    assert abs(int(row.split()[6]) - 500) <= 50  # the startup p50, read from the histogram
    assert "10.00%" in row and "720p 100%" in row  # 1.5 s stalled of 15 watched
    one = json.loads(videoflix("insights", "--video", str(ready_video), "--json").out)
    assert one["totals"]["startup_p50_ms"] == pytest.approx(500, rel=0.1) and one["interval"] == "day"
    assert "400" in one_line_error(videoflix("insights", "--from", "2026-12-05", "--to", "2026-12-01"))
