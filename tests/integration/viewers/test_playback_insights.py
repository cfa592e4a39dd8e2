"""Insights end to end below the browser: POST /api/playback/events/ -> SQS (moto) -> the aggregator
function -> rollups in the database -> GET /api/admin/insights/ (PostgreSQL and Redis when configured)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from videoflix.adapters.aws import aws_client, queue_url
from videoflix.db.models import PlaybackBatchSeen, PlaybackView, utcnow
from videoflix.pipeline.sweeper import Sweeper
from videoflix_tools.dev.pump import QueuePump
from videoflix_tools.functions import load_handler
from videoflix_tools.testing import local_system

pytestmark = pytest.mark.integration

FIRST = [{"type": "view_start"}, {"type": "startup", "ms": 640},
         {"type": "rendition", "height": 720, "bitrate": 1_600_000, "codec": "avc1.64001f"},
         {"type": "watched", "seconds": 6.5, "height": 720, "codec": "avc1.64001f"}]
SECOND = [{"type": "stall", "ms": 1300}, {"type": "watched", "seconds": 3.5, "height": 720, "codec": "avc1.64001f"}]


def batch(video_id, seq, events, view_id="view-0000-aaaa"):
    return {"view_id": view_id, "video_id": video_id, "seq": seq, "browser": "chrome", "events": events}


@pytest.fixture
def aggregate(services):
    """Drains the playback queue through the aggregator function, as Lambda's event source would."""
    binding = local_system.queue_binding(services.settings, services.settings.playback_queue_name,
                                         load_handler("insights"), visibility_timeout=30, retry_delay=0)
    pump = QueuePump(aws_client("sqs", services.settings), [binding], services.settings.aws_region)
    return lambda: pump.drain(binding)


def post(client, body, **headers):
    return client.request("POST", "/api/playback/events/", body, headers=headers or None)


def test_a_view_reaches_the_staff_insights(services, viewer, staff_client, ready_film, aggregate, capsys):
    film = ready_film(title="Sintel", duration=20.0)
    assert post(viewer, batch(film, 0, FIRST)).status == 202
    # The page's last batch goes as text/plain (a keepalive fetch without a preflight).
    last = viewer.request("POST", "/api/playback/events/", raw=json.dumps(batch(film, 1, SECOND)).encode(),
                          headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert last.status == 202, last.text
    assert post(viewer, batch(film, 1, SECOND)).status == 202  # the same batch again (a retried send)
    assert aggregate() == 3
    answer = staff_client.get("/api/admin/insights/")
    assert answer.status == 200, answer.text
    overview = answer.json
    [entry] = overview["videos"]
    assert (entry["video_id"], entry["title"], entry["views"], entry["unique_viewers"]) == (film, "Sintel", 1, 1)
    assert entry["watched_seconds"] == 10.0  # the batch sent twice counts once
    assert entry["stalls"] == 1 and entry["rebuffer_ratio"] == 0.13
    assert entry["startup_p50_ms"] == pytest.approx(640, rel=0.1)
    assert entry["heights"] == {"720": 1.0} and entry["codecs"] == {"avc1": 1.0}
    assert entry["mean_completion"] == 0.5 and entry["failure_rate"] == 0.0
    assert overview["totals"]["views"] == 1 and sum(point["views"] for point in overview["series"]) == 1
    detail = staff_client.get(f"/api/admin/insights/videos/{film}/?interval=day")
    assert detail.status == 200 and detail.json["totals"]["watched_seconds"] == 10.0
    assert detail.json["video"] == {"id": film, "title": "Sintel"}
    # Operators: the fleet's figures as EMF lines.
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert sum(doc.get("PlaybackViews", 0) for doc in emitted) == 1
    assert [ms for doc in emitted for ms in doc.get("StartupTime", [])] == [640]
    assert sum(doc.get("StalledSeconds", 0) for doc in emitted) == 1.3


def test_an_sqs_redelivery_counts_once_and_a_fatal_error_is_a_failed_view(services, viewer, staff_client,
                                                                         ready_film, aggregate):
    film = ready_film(duration=20.0)
    assert post(viewer, batch(film, 0, [{"type": "view_start"}, {"type": "error", "fatal": True,
                                        "error_type": "networkError", "details": "manifestLoadError"}])).status == 202
    sqs = aws_client("sqs", services.settings)
    url = queue_url(services.settings, services.settings.playback_queue_name)
    [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    sqs.send_message(QueueUrl=url, MessageBody=message["Body"])  # delivered twice
    assert aggregate() == 2
    totals = staff_client.get("/api/admin/insights/").json["totals"]
    assert (totals["views"], totals["failed_views"], totals["failure_rate"], totals["errors"]) == (1, 1, 1.0, 1)


@pytest.mark.parametrize("body, field", [
    ({"view_id": "v", "video_id": 1, "seq": 0, "events": [{"type": "view_start"}]}, "view_id"),
    ({"view_id": "view-0000-aaaa", "video_id": 1, "seq": 0, "events": [{"type": "stall"}]}, "events"),
    ({"view_id": "view-0000-aaaa", "video_id": 1, "seq": 0}, "events"),
])
def test_bad_batches_are_a_clear_400(viewer, body, field):
    answer = post(viewer, body)
    assert answer.status == 400 and field in answer.json, answer.text


def test_unknown_films_unauthenticated_viewers_and_floods_are_refused(services, viewer, make_client, ready_film,
                                                                      aggregate):
    film = ready_film()
    services.settings = services.settings.with_overrides(playback_batches_per_minute=3)
    assert post(viewer, batch(999_999, 0, FIRST)).status == 404  # counts against the viewer's rate
    assert post(make_client(), batch(film, 0, FIRST)).status == 401
    assert viewer.request("POST", "/api/playback/events/", raw=b"{not json").status == 400
    statuses = [post(viewer, batch(film, seq, [{"type": "watched", "seconds": 1}])).status for seq in range(3)]
    assert statuses == [202, 202, 429]
    assert aggregate() == 2


def test_switched_off_the_route_keeps_nothing(services, viewer, make_client, ready_film, aggregate):
    services.settings = services.settings.with_overrides(playback_insights=False)
    film = ready_film()
    assert post(viewer, batch(film, 0, FIRST)).status == 204
    assert post(make_client(), {"anything": True}).status == 204  # whoever asks, whatever they send
    assert aggregate() == 0


def test_staff_only_and_bad_ranges_are_400(viewer, staff_client):
    assert viewer.get("/api/admin/insights/").status == 403
    for query in ("from=yesterday", "from=2026-12-05&to=2026-12-01", "from=2020-01-01&to=2026-01-01",
                  "interval=week", "from=2026-01-01&to=2026-03-01&interval=hour"):
        answer = staff_client.get(f"/api/admin/insights/?{query}")
        assert answer.status == 400, (query, answer.text)
    assert staff_client.get("/api/admin/insights/videos/424242/").status == 404


def test_the_sweeper_prunes_per_view_records_after_the_retention(services, viewer, staff_client, ready_film,
                                                                  aggregate):
    film = ready_film(duration=20.0)
    assert post(viewer, batch(film, 0, FIRST)).status == 202
    aggregate()
    days = services.settings.playback_retention_days
    assert Sweeper(services).run(now=utcnow() + timedelta(days=days - 1)).playback_records_pruned == 0
    assert Sweeper(services).run(now=utcnow() + timedelta(days=days, minutes=1)).playback_records_pruned == 2
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(PlaybackView)) == 0
        assert session.scalar(select(func.count()).select_from(PlaybackBatchSeen)) == 0
    # The rollups stay.
    assert staff_client.get("/api/admin/insights/").json["totals"]["watched_seconds"] == 6.5


def test_a_record_that_fails_comes_back_alone_and_the_others_count_once(services, staff_client, ready_film,
                                                                       monkeypatch, capsys):
    from videoflix.domain.playback_events import parse_batch, to_message
    from videoflix.pipeline import insights as aggregator

    film = ready_film(duration=20.0)
    gone = 424242  # a film deleted after the aggregator looked its duration up
    bodies = [to_message(parse_batch(batch(video, 0, FIRST, view_id=f"view-{video}-0000")), "viewer-x",
                         utcnow().timestamp()) for video in (film, gone)]
    event = {"Records": [{"messageId": f"m{n}", "body": body} for n, body in enumerate(bodies)]}
    real_durations = aggregator.durations
    monkeypatch.setattr(aggregator, "durations", lambda session, ids: {**real_durations(session, ids), gone: 20.0})
    assert aggregator.fold_playback_batches(event, services) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    monkeypatch.undo()
    # SQS brings both back (say, a retry of the whole batch): the film's counts once, the other is dropped.
    assert aggregator.fold_playback_batches(event, services) == {"batchItemFailures": []}
    totals = staff_client.get("/api/admin/insights/").json["totals"]
    assert (totals["views"], totals["watched_seconds"]) == (1, 6.5)
