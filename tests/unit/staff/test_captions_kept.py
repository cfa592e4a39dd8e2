"""Captions staff added live beside the transcode output: cleaning the output keeps them, deleting the film not."""
from __future__ import annotations

from datetime import timedelta

from videoflix.db.models import utcnow
from videoflix.pipeline.sweeper import Sweeper
from videoflix.staff.videos import VideoAdmin


def test_the_sweeper_keeps_the_captions_of_a_film_whose_row_remains(services, add_video):
    storage, bucket = services.storage, services.settings.media_bucket
    failed = add_video("failed")
    for video_id in (failed, 4242):  # 4242: no row
        storage.put(bucket, f"videos/{video_id}/master.m3u8")
        storage.put(bucket, f"videos/{video_id}/captions/de.vtt", b"WEBVTT\n")
    report = Sweeper(services).run(now=utcnow() + timedelta(minutes=10))
    assert report.orphans_deleted == {f"videos/{failed}/": 1, "videos/4242/": 2}
    assert storage.keys(bucket) == [f"videos/{failed}/captions/de.vtt"]


def test_deleting_a_film_deletes_its_captions(services, add_video):
    storage, bucket = services.storage, services.settings.media_bucket
    video_id = add_video("ready")
    storage.put(bucket, f"videos/{video_id}/captions/de.vtt", b"WEBVTT\n")
    VideoAdmin(services).delete(video_id)
    assert storage.keys(bucket) == []
