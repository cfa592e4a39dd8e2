"""Seek previews: both transcode paths publish a storyboard sprite and its layout; the catalog's VTT
maps the whole film onto tiles of it; a film without one, or not ready, answers 404.

A film of 10 s or more fans out here (6 s chunks), so one short clip of each length takes each path.
A film over 5 minutes gets its tiles by seeking (one keyframe a tile): its job is run alone on a small
6-minute clip and compared, tile by tile, with the whole-file FFmpeg pass it replaced.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageChops, ImageStat

from tests.integration.videos.conftest import remux
from tests.integration.videos.test_pipeline import media_keys, video_row
from videoflix.adapters.aws import aws_client
from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
from videoflix.pipeline.probe import probe_media
from videoflix.pipeline.storyboard_commands import build_storyboard_command
from videoflix.domain.storyboard import parse_layout, plan_storyboard
from videoflix.pipeline.storyboard_maker import StoryboardUnreadable, publish_storyboard, render_storyboard
from videoflix.adapters.s3_storage import S3Storage

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
    # The audio job writes numbered segments too (-start_number): count the picture's chunks alone.
    chunks = [args for args in ffmpeg_runs if "-start_number" in args and "-c:a" not in args]
    assert len(chunks) == 2, "chunks of 6 s and 7 s"
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


# -- long films: one seek a tile ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    """Six minutes of moving test pattern, 320x180, a keyframe every 2 s: past the 5 minutes from
    which tiles are keyframes, and made in seconds."""
    path = tmp_path_factory.mktemp("long") / "six_minutes.mp4"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25:duration=360",
                "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-y", str(path)],
               duration=360, time_budget=120, on_progress=None)
    return path


def whole_file_sprite(clip: Path, folder: Path) -> Image.Image:
    """The sprite of the method replaced: one FFmpeg pass over the whole source, keyframes only."""
    probe = probe_media(str(clip), max_duration=3600)
    layout = plan_storyboard(probe.picture_duration, probe.display_width, probe.display_height)
    path = folder / "whole_file.jpg"
    run_ffmpeg(build_storyboard_command(ffmpeg_executable(), str(clip), probe, layout, str(path)),
               duration=probe.picture_duration, time_budget=120, on_progress=None)
    return Image.open(path).convert("L")


def tile_differences(layout, sprite: Image.Image, reference: Image.Image) -> list[float]:
    """Mean absolute luma difference of each tile in use."""
    def tile(image, index):
        x, y, w, h = layout.tile_box(index)
        return image.crop((x, y, x + w, y + h))
    return [ImageStat.Stat(ImageChops.difference(tile(sprite, i), tile(reference, i))).mean[0]
            for i in range(layout.count)]


def test_a_long_film_s_storyboard_job_seeks_through_the_upload_url(long_clip, services, tmp_path, monkeypatch):
    import videoflix.pipeline.ffmpeg as ffmpeg

    fed = []
    real_fed = ffmpeg.run_ffmpeg_fed
    monkeypatch.setattr(ffmpeg, "run_ffmpeg", lambda *a, **k: pytest.fail("a whole-file FFmpeg pass ran"))
    monkeypatch.setattr(ffmpeg, "run_ffmpeg_fed",
                        lambda args, *rest, **options: fed.append(args) or real_fed(args, *rest, **options))
    storage = S3Storage(services.settings)
    aws_client("s3", services.settings).upload_file(str(long_clip), services.settings.upload_bucket, "uploads/5/f.mp4")
    url = storage.presign_internal_read(services.settings.upload_bucket, "uploads/5/f.mp4", expires_in=300)
    probe = probe_media(str(long_clip), max_duration=3600)

    recorded = publish_storyboard(storage, url, probe, video_id=5, time_budget=120)

    layout = parse_layout(recorded["storyboard"])
    assert layout == plan_storyboard(360.0, 320, 180) and (layout.interval, layout.count) == (4, 90)
    assert parse_layout(stored(services, "videos/5/storyboard.json").decode()) == layout
    [command] = fed
    assert command[command.index("-i") + 1] == "pipe:0" and not any(url in arg for arg in command)
    sprite = Image.open(io.BytesIO(stored(services, "videos/5/storyboard.jpg")))
    assert sprite.format == "JPEG" and sprite.size == layout.sprite_size == (1600, 810)
    sprite = sprite.convert("L")
    monkeypatch.undo()
    reference = whole_file_sprite(long_clip, tmp_path)
    assert reference.size == sprite.size
    # Tile i is the keyframe at i x 4 s, as the whole-file pass chose it (JPEG noise aside).
    assert max(tile_differences(layout, sprite, reference)) < 3
    # The pattern moves: neighbours differ, and no tile in use is the padding's black.
    assert min(tile_differences(layout, sprite, ImageChops.offset(sprite, -layout.tile_width, 0))[:9]) > 2.5
    for index in range(layout.count):
        x, y, w, h = layout.tile_box(index)
        assert max(sprite.crop((x, y, x + w, y + h)).getdata()) > 100, index
    x, y, w, h = layout.tile_box(layout.count)  # the 91st place: padding
    assert max(sprite.crop((x, y, x + w, y + h)).getdata()) < 30


@pytest.mark.parametrize("degrees", [90, 270])
def test_a_rotated_long_film_gets_upright_tiles_as_before(long_clip, tmp_path, degrees):
    phone = remux(long_clip, tmp_path / "phone.mp4", "-display_rotation", str(degrees))
    probe = probe_media(str(phone), max_duration=3600)
    layout = render_storyboard(str(phone), probe, tmp_path, time_budget=120)
    assert (layout.tile_width, layout.tile_height) == (160, 284)
    sprite = Image.open(tmp_path / "storyboard.jpg").convert("L")
    reference = whole_file_sprite(phone, tmp_path)  # FFmpeg autorotates
    assert sprite.size == reference.size == layout.sprite_size == (1600, 9 * 284)
    assert max(tile_differences(layout, sprite, reference)) < 3


def test_a_long_film_whose_source_cannot_be_read_raises_and_uploads_nothing(long_clip, services):
    # The job then fails this attempt; SQS retries it, and after the last one the film goes without.
    storage = S3Storage(services.settings)
    url = storage.presign_internal_read(services.settings.upload_bucket, "uploads/6/gone.mp4", expires_in=300)
    with pytest.raises(StoryboardUnreadable):
        publish_storyboard(storage, url, probe_media(str(long_clip), max_duration=3600), video_id=6, time_budget=120)
    assert not media_keys(services, 6)
