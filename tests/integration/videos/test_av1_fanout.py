"""The AV1 ladder of a fanned-out film: queued when the run publishes the film, joined like any other."""
from __future__ import annotations

import pytest

from tests.integration.videos.test_av1_ladder import av1_row, av1_starts, master_variants_with_attributes  # noqa: F401
from tests.support.videos import video_row

pytestmark = pytest.mark.integration

FILM_SECONDS = 2


@pytest.fixture
def settings(settings):
    """AV1 on at the fastest preset, and a 2 s film fanned out (one chunk job, one audio job)."""
    return settings.with_overrides(av1_ladder=True, av1_preset=12, fanout_min_duration=1, fanout_chunk_seconds=6)


def test_a_fanned_out_film_gets_its_av1_ladder_after_it_is_ready(clip_factory, upload_video, pipeline,
                                                                 services, logged_in_client, av1_starts):
    video_id = upload_video(clip_factory(seconds=FILM_SECONDS, width=640, height=360))["video"]["id"]
    pipeline()
    assert av1_starts == [("ready", ["480p/index.m3u8"])]
    assert video_row(services, video_id).renditions == ["480p", "audio"]  # fanned out: separate audio
    assert av1_row(services, video_id).status == "ready"
    master = logged_in_client().get(f"/api/video/{video_id}/master.m3u8").text
    (h264, _), (av1_variant, uri) = master_variants_with_attributes(master)
    assert h264["AUDIO"] == "audio" and "AUDIO" not in av1_variant  # the AV1 variant carries its own audio
    assert uri.endswith("/av1-480p/index.m3u8") and av1_variant["CODECS"].endswith(",mp4a.40.2")
