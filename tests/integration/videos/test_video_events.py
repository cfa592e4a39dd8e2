"""A real transcode (moto, FFmpeg, the database) publishes Video Ready or Video Failed on the bus,
which a rule delivers to an SQS queue; the run's EMF lines carry the metrics."""
from __future__ import annotations

import pytest

from tests.support.videos import video_row
from videoflix.domain.video_events import SOURCE
from videoflix_tools.dev.events import receive_events, route_events_to_queue
from videoflix_tools.testing.emf import metric_values

pytestmark = pytest.mark.integration


@pytest.fixture
def bus_queue(services):
    """An SQS queue that a rule on EVENT_BUS_NAME fills with every videoflix event."""
    return route_events_to_queue(services.settings, "videoflix-events-probe", rule_name="events-probe")


def test_a_transcode_publishes_video_ready_with_its_detail(clip_factory, upload_video, transcoder, services,
                                                           bus_queue, capsys):
    body = upload_video(clip_factory(seconds=3, width=1280, height=720), title="Ocean")
    transcoder()
    video = video_row(services, body["video"]["id"])
    assert video.status == "ready", video.error
    [event] = receive_events(services.settings, bus_queue)
    assert (event["source"], event["detail-type"]) == (SOURCE, "Video Ready")
    assert event["detail"] == {"id": video.id, "title": "Ocean", "duration": pytest.approx(video.duration),
                               "renditions": ["480p", "720p"], "reason": None}
    out = capsys.readouterr().out
    assert metric_values(out, "VideosReady") == [(1, {"Path": "single"})]
    [(cost, dimensions)] = metric_values(out, "TranscodeSecondsPerFilmSecond")
    assert cost > 0 and dimensions == {"Path": "single"}


def test_a_failed_transcode_publishes_video_failed_with_the_reason(tmp_path, upload_video, transcoder, services,
                                                                   bus_queue, capsys):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video at all\n" * 50)
    body = upload_video(fake, title="Notes")
    transcoder()
    video = video_row(services, body["video"]["id"])
    assert video.status == "failed"
    [event] = receive_events(services.settings, bus_queue)
    assert event["detail-type"] == "Video Failed"
    assert event["detail"] == {"id": video.id, "title": "Notes", "duration": None, "renditions": [],
                               "reason": video.error}
    assert metric_values(capsys.readouterr().out, "VideosFailed") == [(1, {"Stage": "transcode"})]


def test_a_bus_that_is_gone_fails_no_film(clip_factory, upload_video, transcoder, services, caplog):
    from videoflix.adapters.aws import aws_client

    aws_client("events", services.settings).delete_event_bus(Name=services.settings.event_bus_name)
    body = upload_video(clip_factory(seconds=3, width=1280, height=720))
    transcoder()
    assert video_row(services, body["video"]["id"]).status == "ready"
    assert "could not publish the event of video" in caplog.text
