"""Seek previews: both transcode paths publish a storyboard sprite and its layout; the catalog's VTT
maps the whole film onto tiles of it; a film without one, or not ready, answers 404.

A film of 10 s or more fans out here (6 s chunks), so one short clip of each length takes each path.
"""
from __future__ import annotations

import io
import re

import pytest
import requests
from PIL import Image

from tests.integration.videos.test_pipeline import media_keys, video_row
from videoflix.aws import aws_client
from videoflix.pipeline.storyboard import parse_layout

pytestmark = pytest.mark.integration

CUE = re.compile(r"^(\d\d):(\d\d):(\d\d\.\d{3}) --> (\d\d):(\d\d):(\d\d\.\d{3})$")


@pytest.fixture
def settings(settings):
    return settings.with_overrides(fanout_min_duration=10, fanout_chunk_seconds=6)


def stored(services, key: str) -> bytes:
    s3 = aws_client("s3", services.settings)
    return s3.get_object(Bucket=services.settings.media_bucket, Key=key)["Body"].read()


def cues(vtt: str) -> list[tuple[float, float, str, tuple[int, int, int, int]]]:
    """(start, end, sprite URL, (x, y, w, h)) of every cue."""
    assert vtt.startswith("WEBVTT\n\n")
    found = []
    for block in vtt[len("WEBVTT\n\n"):].strip().split("\n\n"):
        timing, text = block.split("\n")
        h1, m1, s1, h2, m2, s2 = CUE.match(timing).groups()
        url, box = text.split("#xywh=")
        found.append((int(h1) * 3600 + int(m1) * 60 + float(s1), int(h2) * 3600 + int(m2) * 60 + float(s2), url,
                      tuple(int(v) for v in box.split(","))))
    return found


def assert_storyboard(services, viewer, video_id: int, tiles: int, tile: tuple[int, int]) -> None:
    video = video_row(services, video_id)
    assert video.status == "ready", video.error
    layout = parse_layout(stored(services, f"videos/{video_id}/storyboard.json").decode())
    assert layout is not None and layout.count == tiles and (layout.tile_width, layout.tile_height) == tile
    sprite = Image.open(io.BytesIO(stored(services, f"videos/{video_id}/storyboard.jpg")))
    assert sprite.format == "JPEG" and sprite.size == layout.sprite_size

    answer = viewer.get(f"/api/video/{video_id}/storyboard.vtt")
    assert answer.status == 200, answer.text
    assert answer.header("Content-Type").startswith("text/vtt") and answer.header("Cache-Control") == "no-store"
    found = cues(answer.text)
    assert len(found) == tiles
    assert found[0][0] == 0 and found[-1][1] == pytest.approx(video.duration, abs=0.001)
    assert all(a[1] == b[0] for a, b in zip(found, found[1:])), "gaps or overlaps between cues"
    width, height = sprite.size
    for _, _, _, (x, y, w, h) in found:
        assert (w, h) == tile and x + w <= width and y + h <= height
        # Every cue's tile holds a frame of the film (the test pattern), not the sheet's black padding.
        assert max(sprite.crop((x, y, x + w, y + h)).convert("L").getdata()) > 100, (x, y)
    [url] = {url for _, _, url, _ in found}
    assert "X-Amz-Signature" in url
    assert requests.get(url, timeout=10).content == stored(services, f"videos/{video_id}/storyboard.jpg")


def test_a_single_process_transcode_publishes_a_storyboard(clip_factory, upload_video, pipeline, services,
                                                           logged_in_client, ffmpeg_runs):
    video_id = upload_video(clip_factory(seconds=7, width=640, height=360))["video"]["id"]
    pipeline()
    assert not any("-start_number" in args for args in ffmpeg_runs), "the film fanned out"
    viewer = logged_in_client()
    assert_storyboard(services, viewer, video_id, tiles=4, tile=(160, 90))  # 0, 2, 4, 6 s
    # Cached like a playlist: the VTT no longer reads the layout.
    first = viewer.get(f"/api/video/{video_id}/storyboard.vtt").text
    aws_client("s3", services.settings).delete_object(Bucket=services.settings.media_bucket,
                                                      Key=f"videos/{video_id}/storyboard.json")
    assert viewer.get(f"/api/video/{video_id}/storyboard.vtt").text == first


def test_a_fanned_out_transcode_publishes_a_storyboard(clip_factory, upload_video, pipeline, services,
                                                       logged_in_client, ffmpeg_runs):
    video_id = upload_video(clip_factory(seconds=13, width=1280, height=720))["video"]["id"]
    pipeline()
    assert sum("-start_number" in args for args in ffmpeg_runs) == 2, "chunks of 6 s and 7 s"
    [storyboard] = [args for args in ffmpeg_runs if args[-1].endswith("storyboard.jpg")]
    assert storyboard[storyboard.index("-i") + 1].startswith("http"), "read through the upload's URL"
    assert_storyboard(services, logged_in_client(), video_id, tiles=7, tile=(160, 90))


def test_a_film_without_a_storyboard_and_one_not_ready_answer_404(clip_factory, upload_video, pipeline, services,
                                                                  logged_in_client, client, monkeypatch):
    import videoflix.pipeline.ffmpeg as ffmpeg

    real_run = ffmpeg.run_ffmpeg

    def storyboard_fails(args, *rest, **options):
        if args[-1].endswith("storyboard.jpg"):
            raise ffmpeg.FFmpegFailed(1, "Invalid data found when processing input")
        return real_run(args, *rest, **options)
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", storyboard_fails)
    clip = clip_factory(seconds=3, width=640, height=360)
    without = upload_video(clip, title="No storyboard")["video"]["id"]
    pipeline()
    assert video_row(services, without).status == "ready", "a failed storyboard never fails the film"
    assert not [key for key in media_keys(services, without) if "storyboard" in key]
    waiting = upload_video(clip, title="Not transcoded")["video"]["id"]  # queued, never transcoded here

    viewer = logged_in_client()
    for video_id in (without, waiting, 999, "abc"):
        answer = viewer.get(f"/api/video/{video_id}/storyboard.vtt")
        assert answer.status == 404 and "detail" in answer.json, (video_id, answer.text)
    assert viewer.get(f"/api/video/{without}/storyboard.vtt").json == {"detail": "This video has no storyboard."}
    answer = client.get(f"/api/video/{without}/storyboard.vtt")
    assert answer.status == 401 and "detail" in answer.json
