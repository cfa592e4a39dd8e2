"""Probing an upload where it lies, through a presigned URL, as the fan-out coordinator does."""
from __future__ import annotations

import pytest

from videoflix.adapters.aws import aws_client
from videoflix.db.models import Video
from videoflix.pipeline.probe import HEAD_BYTES, MediaRejected, probe_media, probe_media_url
from videoflix.adapters.s3_storage import S3Storage

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(services, aws, tmp_path):
    storage = S3Storage(services.settings)
    bucket = services.settings.upload_bucket

    def put(path, key: str) -> tuple[str, bytes]:
        aws_client("s3", services.settings).upload_file(str(path), bucket, key)
        return (storage.presign_internal_read(bucket, key, expires_in=300),
                storage.read_head(bucket, key, HEAD_BYTES))
    return put


def test_the_probe_through_a_url_agrees_with_the_local_one(clip_factory, stored):
    clip = clip_factory(seconds=4, width=640, height=360)
    url, head = stored(clip, "uploads/1/film.mp4")
    assert len(head) == HEAD_BYTES
    assert probe_media_url(url, head, max_duration=60) == probe_media(str(clip), max_duration=60)


def test_a_playlist_posing_as_a_film_is_rejected_before_any_read(stored, tmp_path):
    fake = tmp_path / "film.mp4"
    fake.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\nhttp://169.254.169.254/latest/meta-data\n")
    url, head = stored(fake, "uploads/2/film.mp4")
    with pytest.raises(MediaRejected, match="an HLS playlist"):
        probe_media_url(url, head, max_duration=60)


def test_an_empty_upload_has_an_empty_head(stored, tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    url, head = stored(empty, "uploads/3/empty.mp4")
    assert head == b""
    with pytest.raises(MediaRejected, match="empty"):
        probe_media_url(url, head, max_duration=60)


@pytest.mark.parametrize("url", ["ftp://host/film.mp4", "file:///etc/passwd", "/tmp/film.mp4"])
def test_only_http_and_https_urls_are_read(url):
    with pytest.raises(ValueError, match="scheme"):
        probe_media_url(url, b"\x00\x00\x00\x18ftypmp42", max_duration=60)


def test_a_short_film_is_probed_once_through_its_url_then_downloaded(clip_factory, upload_video, transcoder,
                                                                     services, monkeypatch):
    from videoflix.pipeline import probe as probing
    from videoflix.adapters.s3_storage import S3Storage

    local_probes, downloads = [], []
    real_probe, real_download = probing.probe_media, S3Storage.download
    monkeypatch.setattr(probing, "probe_media", lambda *a, **k: local_probes.append(a) or real_probe(*a, **k))
    monkeypatch.setattr(S3Storage, "download",
                        lambda self, *a: downloads.append(a[1]) or real_download(self, *a))
    video_id = upload_video(clip_factory(seconds=3, width=640, height=360))["video"]["id"]
    transcoder()
    with services.db.session() as session:
        video = session.get(Video, video_id)
        assert video.status == "ready", video.error
    assert len(downloads) == 1 and local_probes == []  # the URL's probe already judged these bytes
