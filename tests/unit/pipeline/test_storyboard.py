"""The storyboard: its layout from the duration, FFmpeg's argument list, the stored layout and the VTT."""
import json
import re
from fractions import Fraction

import pytest

from videoflix.pipeline.probe import MediaProbe
from videoflix.domain.storyboard import KEYFRAMES_ONLY_FROM, MAX_TILES, StoryboardLayout, parse_layout, plan_storyboard, storyboard_vtt, tile_count, tile_size, tile_times, vtt_time
from videoflix.pipeline.storyboard_commands import build_sprite_command, build_storyboard_command, raw_tile_size, upright_filters

CUE = re.compile(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})$")


def probe(width=1920, height=1080, duration=10.0, fmt="mov", sar=Fraction(1), rotation=0):
    return MediaProbe(format_name=fmt, duration=duration, width=width, height=height, video_stream_index=0,
                      audio_stream_index=1, rotation=rotation, sample_aspect_ratio=sar, frame_rate=Fraction(25),
                      video_codec="h264")


def test_a_short_film_gets_a_tile_every_two_seconds_in_one_row():
    assert plan_storyboard(10.0, 1920, 1080) == StoryboardLayout(interval=2, tile_width=160, tile_height=90,
                                                                 columns=5, rows=1, count=5)


def test_a_two_hour_film_stays_within_the_tile_bound():
    layout = plan_storyboard(7200.0, 1920, 1080)
    assert layout == StoryboardLayout(interval=72, tile_width=160, tile_height=90, columns=10, rows=10, count=100)
    assert layout.sprite_size == (1600, 900) and layout.keyframes_only


@pytest.mark.parametrize("duration, interval, count, rows", [
    (0.5, 2, 1, 1), (200.0, 2, 100, 10), (200.5, 3, 67, 7), (899.0, 9, 100, 10), (901.0, 10, 91, 10),
    (4 * 3600.0, 144, 100, 10)])
def test_the_interval_is_whole_seconds_and_the_tiles_never_exceed_the_bound(duration, interval, count, rows):
    layout = plan_storyboard(duration, 1280, 720)
    assert (layout.interval, layout.count, layout.rows) == (interval, count, rows)
    assert layout.count <= MAX_TILES and layout.count * layout.interval >= duration
    assert layout.keyframes_only is (interval >= KEYFRAMES_ONLY_FROM)


def test_films_over_five_minutes_decode_keyframes_only():
    assert [plan_storyboard(d, 1280, 720).keyframes_only for d in (120.0, 300.0, 300.5, 7200.0)] == [
        False, False, True, True]


@pytest.mark.parametrize("duration, expected", [(10.0, 5), (10.04, 6), (10.5, 6), (11.0, 6), (12.0, 6)])
def test_the_tile_count_is_what_ffmpeg_gives(duration, expected):
    # Measured with fps=1/2:eof_action=pass on 25 fps clips of these lengths.
    assert tile_count(duration, 2) == expected


@pytest.mark.parametrize("display, tile", [
    ((1920, 1080), (160, 90)), ((1080, 1920), (160, 284)), ((1440, 1080), (160, 120)), ((1920, 800), (160, 66)),
    ((100, 56), (100, 56)), ((127, 71), (126, 70))])  # never wider than the picture
def test_tiles_keep_the_display_aspect(display, tile):
    assert tile_size(*display) == tile


def test_the_tiles_follow_what_a_player_shows():
    anamorphic = probe(1440, 1080, sar=Fraction(4, 3))  # shown 1920x1080
    assert plan_storyboard(10, anamorphic.display_width, anamorphic.display_height).tile_height == 90
    portrait = probe(1920, 1080, rotation=90)
    assert plan_storyboard(10, portrait.display_width, portrait.display_height).tile_height == 284


def test_command_of_a_local_file():
    layout = plan_storyboard(10.0, 1920, 1080)
    assert build_storyboard_command("ffmpeg", "/tmp/in.mp4", probe(), layout, "/tmp/out/storyboard.jpg") == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
        "-protocol_whitelist", "file", "-f", "mov", "-i", "file:/tmp/in.mp4",
        "-map", "0:0", "-an", "-sn", "-dn", "-vf", "fps=1/2:eof_action=pass,scale=160:90,setsar=1,tile=5x1",
        "-frames:v", "1", "-map_metadata", "-1", "-q:v", "5", "-f", "image2", "-update", "1",
        "-y", "/tmp/out/storyboard.jpg"]


def test_command_of_a_long_film_through_its_url_decodes_keyframes_only():
    layout = plan_storyboard(3600.0, 1920, 1080)
    url = "https://s3.example/uploads/7/film.mkv?X-Amz-Signature=abc"
    command = build_storyboard_command("ffmpeg", url, probe(duration=3600.0, fmt="matroska"), layout, "/w/s.jpg")
    assert command[6:8] == ["-skip_frame", "nokey"]  # an input option: before -i
    assert command[command.index("-i") + 1] == url and command.index("-skip_frame") < command.index("-i")
    assert command[command.index("-protocol_whitelist") + 1] == "https,tls,tcp"
    assert command[command.index("-vf") + 1] == "fps=1/36:eof_action=pass,scale=160:90,setsar=1,tile=10x10"


def test_tile_times_are_the_interval_apart_from_zero_one_per_tile():
    assert tile_times(plan_storyboard(7200.0, 1920, 1080)) == list(range(0, 7200, 72))
    layout = plan_storyboard(901.0, 1280, 720)  # 91 tiles, the last at 900 s, within the film
    assert tile_times(layout)[:3] == [0, 10, 20] and tile_times(layout)[-1] == 900 and len(tile_times(layout)) == 91
    assert tile_times(plan_storyboard(0.5, 1280, 720)) == [0]


def test_raw_tiles_are_scaled_as_stored_and_turned_upright_like_ffmpeg_autorotates():
    layout = plan_storyboard(3600.0, 1080, 1920)  # a portrait film, as shown: 160x284 tiles
    assert [raw_tile_size(layout, r) for r in (0, 90, 180, 270)] == [(160, 284), (284, 160), (160, 284), (284, 160)]
    # MediaProbe.rotation is the display matrix's counterclockwise angle; FFmpeg's autorotate turns
    # the picture back: 90 -> transpose=cclock, 270 -> transpose=clock.
    assert [upright_filters(r) for r in (0, 90, 180, 270)] == [
        [], ["transpose=cclock"], ["hflip", "vflip"], ["transpose=clock"]]


def test_sprite_command_of_raw_tiles_keeps_the_geometry_and_jpeg_settings_of_the_whole_file_command():
    layout = plan_storyboard(3600.0, 1920, 1080)
    assert build_sprite_command("ffmpeg", layout, 0, "/w/storyboard.jpg") == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
        "-protocol_whitelist", "pipe", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-video_size", "160x90",
        "-framerate", "1", "-i", "pipe:0", "-vf", "setsar=1,tile=10x10",
        "-frames:v", "1", "-map_metadata", "-1", "-q:v", "5", "-f", "image2", "-update", "1",
        "-y", "/w/storyboard.jpg"]
    whole_file = build_storyboard_command("ffmpeg", "/in.mp4", probe(duration=3600.0), layout, "/w/storyboard.jpg")
    assert build_sprite_command("ffmpeg", layout, 0, "/w/storyboard.jpg")[-12:] == whole_file[-12:]


def test_sprite_command_of_a_rotated_film_turns_its_tiles_before_tiling():
    layout = plan_storyboard(3600.0, 1080, 1920)
    command = build_sprite_command("ffmpeg", layout, 90, "/w/s.jpg")
    assert command[command.index("-video_size") + 1] == "284x160"
    assert command[command.index("-vf") + 1] == "transpose=cclock,setsar=1,tile=10x10"


def test_the_stored_layout_round_trips_and_anything_else_is_none():
    layout = plan_storyboard(95.0, 1280, 720)
    assert parse_layout(layout.to_json()) == layout
    good = json.loads(layout.to_json())
    for bad in ("", "[]", "{", json.dumps({**good, "count": 0}), json.dumps({**good, "rows": True}),
                json.dumps({**good, "columns": 1.5}), json.dumps({k: v for k, v in good.items() if k != "rows"}),
                json.dumps({**good, "count": good["columns"] * good["rows"] + 1})):
        assert parse_layout(bad) is None, bad


def test_vtt_of_a_short_film():
    layout = StoryboardLayout(interval=2, tile_width=160, tile_height=90, columns=2, rows=2, count=3)
    assert storyboard_vtt(layout, 5.5, "https://media/s.jpg?a=1&b=2") == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:02.000\nhttps://media/s.jpg?a=1&b=2#xywh=0,0,160,90\n\n"
        "00:00:02.000 --> 00:00:04.000\nhttps://media/s.jpg?a=1&b=2#xywh=160,0,160,90\n\n"
        "00:00:04.000 --> 00:00:05.500\nhttps://media/s.jpg?a=1&b=2#xywh=0,90,160,90\n")


def test_vtt_of_a_two_hour_film_covers_it_without_gaps_inside_the_sprite():
    layout = plan_storyboard(7190.4, 1920, 1080)
    cues = _cues(storyboard_vtt(layout, 7190.4, "u"))
    assert len(cues) == 100 and cues[0][0] == 0 and cues[-1][1] == 7190.4
    assert all(a[1] == b[0] for a, b in zip(cues, cues[1:]))
    width, height = layout.sprite_size
    assert all(x + w <= width and y + h <= height for _, _, (x, y, w, h) in cues)
    assert len({box for _, _, box in cues}) == 100


def test_vtt_stops_at_the_film_end_when_the_picture_had_tiles_beyond_it():
    layout = StoryboardLayout(interval=2, tile_width=160, tile_height=90, columns=5, rows=1, count=5)
    cues = _cues(storyboard_vtt(layout, 5.0, "u"))
    assert [(start, end) for start, end, _ in cues] == [(0, 2), (2, 4), (4, 5)]


def test_vtt_time():
    assert [vtt_time(s) for s in (0, 5.0, 59.9996, 3725.5, 36000.25)] == [
        "00:00:00.000", "00:00:05.000", "00:01:00.000", "01:02:05.500", "10:00:00.250"]


def _cues(vtt):
    assert vtt.startswith("WEBVTT\n\n")
    blocks = [b.split("\n") for b in vtt[len("WEBVTT\n\n"):].strip().split("\n\n")]
    cues = []
    for timing, text in blocks:
        g = [int(v) for v in CUE.match(timing).groups()]
        start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000
        end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000
        cues.append((round(start, 3), round(end, 3), tuple(int(v) for v in text.split("#xywh=")[1].split(","))))
    return cues
