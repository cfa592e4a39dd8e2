"""Captions survive a re-transcode: a fanned-out film, transcoded again after a retry, keeps them."""
from __future__ import annotations

import pytest
import requests

from tests.integration.viewers.conftest import set_status
from tests.integration.viewers.test_captions import VTT, add, assert_subtitles_group, stored_keys, undigested
from videoflix.db.models import Video
from videoflix.domain.hls import segment_names

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(settings):
    # As tests/integration/videos/test_fanout.py: a short clip fans out into 6 s chunks, quickly.
    return settings.with_overrides(ffmpeg_preset="ultrafast", fanout_min_duration=5, fanout_chunk_seconds=6)


def test_captions_of_a_fanned_out_film_survive_a_retry(services, clip_factory, upload_video, pipeline,
                                                       staff_client, viewer):
    film = upload_video(clip_factory(seconds=9, width=640, height=360))["video"]["id"]
    pipeline()
    with services.db.session() as session:
        video = session.get(Video, film)
        assert video.status == "ready", video.error
        assert "audio" in video.renditions  # fanned out
        first_ready = video.ready_at
    assert add(staff_client, film, content=VTT.replace("00:05.000 --> 00:09.000", "00:05.000 --> 00:08.000")
               ).status == 201
    # A retry transcodes again: the transcoder first removes the film's old output, then publishes anew.
    set_status(services, film, "failed")
    assert staff_client.post(f"/api/admin/videos/{film}/retry/").status == 202
    pipeline()
    with services.db.session() as session:
        video = session.get(Video, film)
        assert video.status == "ready" and video.ready_at > first_ready, video.error
    # Both texts of the track are kept (the replaced one until its URLs have expired), nothing else.
    assert set(undigested(stored_keys(services, film))) == {f"videos/{film}/captions/de.vtt"}
    master = viewer.get(f"/api/video/{film}/master.m3u8").text
    assert_subtitles_group(master, film, {"de": ("Deutsch", False)})
    playlist = viewer.get(f"/api/video/{film}/subtitles/de/index.m3u8")
    assert playlist.status == 200
    assert requests.get(segment_names(playlist.text)[0], timeout=10).text.startswith("WEBVTT")
