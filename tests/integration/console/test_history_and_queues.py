"""Staff console: the history's order and pages, the queues' state and moving dead letters back."""
from __future__ import annotations

import json

import pytest

from tests.integration.console.conftest import STAFF, history
from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import Video, utcnow

pytestmark = pytest.mark.integration


def test_history_is_newest_first_and_paged(make_video, staff):
    video_id = make_video("One")
    for title in ("Two", "Three", "Four"):
        assert staff.request("PATCH", f"/api/admin/videos/{video_id}/", {"title": title}).status == 200
    first = staff.get("/api/admin/history/?page_size=2").json
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert [row["changes"]["title"] for row in first["items"]] == [["Three", "Four"], ["Two", "Three"]]
    second = staff.get("/api/admin/history/?page=2&page_size=2").json
    assert [row["changes"]["title"] for row in second["items"]] == [["One", "Two"]]
    assert first["items"][0]["actor"] == STAFF and first["items"][0]["at"] >= second["items"][0]["at"]


def _url(services, name: str) -> str:
    return queue_url(services.settings, name)


def test_queues_show_depths_dead_letters_and_videos_in_progress(services, staff):
    sqs = aws_client("sqs", services.settings)
    sqs.send_message(QueueUrl=_url(services, services.settings.mail_queue_name), MessageBody="{}")
    sqs.send_message(QueueUrl=_url(services, services.settings.transcode_queue_name + "-dlq"), MessageBody="{}")
    with services.db.session() as session:
        session.add(Video(title="Busy", description="", category="Drama", status="processing", progress=42,
                          filename="b.mp4", content_type="video/mp4", size=1, source_key="uploads/b/b.mp4",
                          renditions=[], attempts=1, lease_expires_at=utcnow()))
    answer = staff.get("/api/admin/queues/")
    assert answer.status == 200, answer.text
    queues = {q["name"]: q for q in answer.json["queues"]}
    assert set(queues) == {"transcode", "transcode-dlq", "chunk", "chunk-dlq", "av1", "av1-dlq", "mail", "mail-dlq",
                           "playback", "playback-dlq"}
    assert (queues["mail"]["visible"], queues["mail"]["in_flight"], queues["mail"]["dead_letter"]) == (1, 0, False)
    assert (queues["transcode-dlq"]["visible"], queues["transcode-dlq"]["source"]) == (1, "transcode")
    assert queues["chunk-dlq"]["queue_name"] == services.settings.chunk_queue_name + "-dlq"
    assert (queues["av1"]["queue_name"], queues["av1-dlq"]["source"]) == (services.settings.av1_queue_name, "av1")
    [busy] = answer.json["processing"]
    assert (busy["title"], busy["progress"], busy["status"]) == ("Busy", 42, "processing")
    assert busy["lease_age_seconds"] >= services.settings.transcode_time_budget


def test_redrive_moves_dead_letters_back_to_their_queue(services, staff):
    sqs = aws_client("sqs", services.settings)
    dlq = _url(services, services.settings.transcode_queue_name + "-dlq")
    bodies = [json.dumps({"n": n}) for n in range(13)]
    for body in bodies:
        sqs.send_message(QueueUrl=dlq, MessageBody=body)
    answer = staff.post("/api/admin/queues/transcode-dlq/redrive/")
    assert answer.status == 200, answer.text
    assert answer.json == {"name": "transcode-dlq", "source": "transcode", "moved": 13, "left": 0}
    source = _url(services, services.settings.transcode_queue_name)
    received = []
    while True:
        batch = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        received += [m["Body"] for m in batch]
    # The bootstrap's own s3:TestEvent may sit in the transcode queue too.
    assert sorted(b for b in received if '"n"' in b) == sorted(bodies)
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []
    [row] = history(staff)
    assert (row["action"], row["target_type"], row["target_id"], row["changes"]) == \
        ("queue.redrive", "queue", "transcode-dlq", {"moved": [None, 13]})


@pytest.mark.parametrize("name", ["nope", "transcode-dlq-dlq", "videoflix-mail", "%2e%2e"])
def test_redrive_of_an_unknown_queue_is_404(staff, name):
    answer = staff.post(f"/api/admin/queues/{name}/redrive/")
    assert answer.status == 404 and "No queue named" in answer.json["detail"]
