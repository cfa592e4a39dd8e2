"""`make dev`'s sample film: uploaded like any film, transcoded by the pipeline, added only once."""
from __future__ import annotations

import pytest

from tests.integration.conftest import _binding
from videoflix.adapters.aws import aws_client
from videoflix.db.models import Video
from videoflix_tools.dev.pump import QueuePump
from videoflix_tools.dev.seed import SAMPLE_FILM, seed_sample_film
from videoflix_tools.functions import load_handler

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings):
    return settings.with_overrides(ffmpeg_preset="ultrafast")


def test_the_sample_film_goes_through_the_pipeline_once(services, logged_in_client):
    video_id = seed_sample_film(services, seconds=2)
    assert video_id is not None
    assert seed_sample_film(services, seconds=2) is None  # the catalog is no longer empty

    binding = _binding(services.settings, services.settings.transcode_queue_name, load_handler("transcoder"))
    QueuePump(aws_client("sqs", services.settings), [binding], services.settings.aws_region).drain(binding)

    with services.db.session() as session:
        video = session.get(Video, video_id)
        assert (video.status, video.error) == ("ready", None)
        assert video.renditions == ["480p", "720p", "1080p"]
        assert (video.width, video.height) == (1920, 1080)
    [listed] = logged_in_client().get("/api/video/").json
    assert (listed["title"], listed["category"]) == (SAMPLE_FILM["title"], SAMPLE_FILM["category"])
    assert listed["thumbnail_url"].startswith("http")
