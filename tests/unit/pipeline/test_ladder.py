"""The FFmpeg argument lists of the HLS ladder and the poster, compared without running FFmpeg."""
from fractions import Fraction

import pytest

from videoflix.pipeline.ladder import (LadderSettings, build_ladder_command, build_thumbnail_command,
                                    output_frame_rate, plan_ladder)
from videoflix.pipeline.probe import MediaProbe

SETTINGS = LadderSettings(preset="veryfast")


def probe(width, height, audio=True, rotation=0, rate=Fraction(25), duration=120.0, fmt="mov", sar=Fraction(1)):
    return MediaProbe(format_name=fmt, duration=duration, width=width, height=height, video_stream_index=0,
                      audio_stream_index=1 if audio else None, rotation=rotation, sample_aspect_ratio=sar,
                      frame_rate=rate, video_codec="h264")


def sizes(source):
    return [(p.name, p.width, p.height) for p in plan_ladder(source)]


def option(command, name):
    return command[command.index(name) + 1]


@pytest.mark.parametrize("source, expected", [
    (probe(320, 240), [("480p", 320, 240)]),  # below 480 lines: one rung, its own size
    (probe(426, 240), [("480p", 426, 240)]),
    (probe(854, 480), [("480p", 854, 480)]),
    (probe(1280, 720), [("480p", 854, 480), ("720p", 1280, 720)]),
    (probe(1920, 1080), [("480p", 854, 480), ("720p", 1280, 720), ("1080p", 1920, 1080)]),
    (probe(3840, 2160), [("480p", 854, 480), ("720p", 1280, 720), ("1080p", 1920, 1080)]),
    (probe(1920, 800), [("480p", 854, 356), ("720p", 1280, 534), ("1080p", 1920, 800)]),  # scope: by box
    (probe(1440, 1080), [("480p", 640, 480), ("720p", 960, 720), ("1080p", 1440, 1080)]),  # 4:3
])
def test_landscape_rungs(source, expected):
    assert sizes(source) == expected


@pytest.mark.parametrize("source, expected", [
    (probe(1080, 1920), [("480p", 480, 854), ("720p", 720, 1280), ("1080p", 1080, 1920)]),
    (probe(720, 1280), [("480p", 480, 854), ("720p", 720, 1280)]),
    (probe(360, 640), [("480p", 360, 640)]),
    # A phone's landscape-coded video with a 90-degree display matrix is portrait once rotated.
    (probe(1920, 1080, rotation=90), [("480p", 480, 854), ("720p", 720, 1280), ("1080p", 1080, 1920)]),
    (probe(640, 360, rotation=270), [("480p", 360, 640)]),
])
def test_portrait_rungs_are_named_by_the_shorter_side(source, expected):
    assert sizes(source) == expected


def test_odd_and_anamorphic_sources_get_even_sizes_never_enlarged():
    assert sizes(probe(321, 241)) == [("480p", 320, 240)]
    assert sizes(probe(1279, 719)) == [("480p", 854, 480)]
    # DVD: 720x480 stored, shown 4:3 wider pixels (SAR 32:27 makes it 853x480).
    assert sizes(probe(720, 480, sar=Fraction(32, 27))) == [("480p", 852, 480)]


def test_720p_command_is_exactly_one_process_with_split_rungs():
    command = build_ladder_command("ffmpeg", "/work/source.mp4", probe(1280, 720), "/work/out", SETTINGS)
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1",
        "-protocol_whitelist", "file", "-f", "mov", "-i", "file:/work/source.mp4",
        "-filter_complex",
        "[0:0]fps=25,format=yuv420p,split=2[s0][s1];"
        "[s0]scale=854:480,setsar=1[v0];[s1]scale=1280:720,setsar=1[v1]",
        "-map", "[v0]", "-map", "0:1", "-map", "[v1]", "-map", "0:1",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high",
        "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
        "-crf:v:0", "17", "-maxrate:v:0", "1500k", "-bufsize:v:0", "2100k",  # capped CRF: quality per rung,
        "-crf:v:1", "20", "-maxrate:v:1", "3000k", "-bufsize:v:1", "4200k",  # never above the rung's cap
        "-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a:0", "96k", "-b:a:1", "128k",
        "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
        "-hls_segment_type", "mpegts", "-hls_segment_filename", "/work/out/%v/segment_%05d.ts",
        "-master_pl_name", "master.m3u8", "-var_stream_map", "v:0,a:0,name:480p v:1,a:1,name:720p",
        "-y", "/work/out/%v/index.m3u8",
    ]


def test_4k_source_is_scaled_to_three_rungs_from_one_decode():
    command = build_ladder_command("ffmpeg", "/in.mkv", probe(3840, 2160, fmt="matroska"), "/out", SETTINGS)
    assert option(command, "-filter_complex") == (
        "[0:0]fps=25,format=yuv420p,split=3[s0][s1][s2];[s0]scale=854:480,setsar=1[v0];"
        "[s1]scale=1280:720,setsar=1[v1];[s2]scale=1920:1080,setsar=1[v2]")
    assert option(command, "-var_stream_map") == "v:0,a:0,name:480p v:1,a:1,name:720p v:2,a:2,name:1080p"
    assert option(command, "-f") == "matroska"  # the first -f is the forced input demuxer
    assert option(command, "-crf:v:2") == "23" and option(command, "-maxrate:v:2") == "5350k"
    assert option(command, "-b:a:2") == "160k" and not any(arg.startswith("-b:v") for arg in command)
    assert command.count("-i") == 1 and command.count("ffmpeg") == 1


def test_1080p_source_without_audio_maps_video_only():
    command = build_ladder_command("ffmpeg", "/in.mp4", probe(1920, 1080, audio=False), "/out", SETTINGS)
    maps = [command[i + 1] for i, arg in enumerate(command) if arg == "-map"]
    assert maps == ["[v0]", "[v1]", "[v2]"]
    assert option(command, "-var_stream_map") == "v:0,name:480p v:1,name:720p v:2,name:1080p"
    assert "-c:a" not in command and not any(arg.startswith("-b:a") for arg in command)


def test_240p_source_gets_one_rung_at_its_own_size_with_fewer_bits():
    command = build_ladder_command("ffmpeg", "/in.mp4", probe(320, 240), "/out", SETTINGS)
    assert option(command, "-filter_complex") == "[0:0]fps=25,format=yuv420p,split=1[s0];[s0]scale=320:240,setsar=1[v0]"
    assert option(command, "-var_stream_map") == "v:0,a:0,name:480p"
    assert option(command, "-maxrate:v:0") == "375k"  # a quarter of the 480p cap, the floor
    assert option(command, "-bufsize:v:0") == "525k" and option(command, "-crf:v:0") == "17"


def test_fixed_rate_control_keeps_the_target_bitrates_for_comparison():
    fixed = LadderSettings(preset="veryfast", rate_control="fixed")
    command = build_ladder_command("ffmpeg", "/in.mp4", probe(1920, 1080), "/out", fixed)
    start = command.index("-b:v:0")
    assert command[start:start + 18] == [
        "-b:v:0", "1400k", "-maxrate:v:0", "1500k", "-bufsize:v:0", "2100k",
        "-b:v:1", "2800k", "-maxrate:v:1", "3000k", "-bufsize:v:1", "4200k",
        "-b:v:2", "5000k", "-maxrate:v:2", "5350k", "-bufsize:v:2", "7500k"]
    assert not any(arg.startswith("-crf") for arg in command)
    small = build_ladder_command("ffmpeg", "/in.mp4", probe(320, 240), "/out", fixed)
    assert option(small, "-b:v:0") == "350k"  # a quarter of the 480p bitrate, the floor


def test_unknown_rate_control_is_refused():
    with pytest.raises(ValueError, match="rate_control"):
        LadderSettings(rate_control="abr")


def test_portrait_command_scales_to_upright_sizes():
    command = build_ladder_command("ffmpeg", "/in.mp4", probe(1920, 1080, rotation=90), "/out", SETTINGS)
    assert option(command, "-filter_complex") == (
        "[0:0]fps=25,format=yuv420p,split=3[s0][s1][s2];[s0]scale=480:854,setsar=1[v0];"
        "[s1]scale=720:1280,setsar=1[v1];[s2]scale=1080:1920,setsar=1[v2]")


@pytest.mark.parametrize("rate, expected_rate, gop", [
    (Fraction(25), "25", "50"), (Fraction(30000, 1001), "30000/1001", "60"), (Fraction(24), "24", "48"),
    (Fraction(120), "60", "120"), (Fraction(2997, 100), "30000/1001", "60"), (None, "30", "60"),
    (Fraction(15), "15", "30"),
])
def test_constant_frame_rate_and_two_second_keyframe_interval(rate, expected_rate, gop):
    command = build_ladder_command("ffmpeg", "/in.mp4", probe(1280, 720, rate=rate), "/out", SETTINGS)
    assert option(command, "-filter_complex").startswith(f"[0:0]fps={expected_rate},")
    assert option(command, "-g") == option(command, "-keyint_min") == gop
    assert option(command, "-sc_threshold") == "0"
    assert int(option(command, "-hls_time")) % 2 == 0  # whole GOPs per segment


def test_frame_rate_is_snapped_and_capped():
    assert output_frame_rate(probe(640, 360, rate=Fraction(5994, 100)), SETTINGS) == Fraction(60000, 1001)
    assert output_frame_rate(probe(640, 360, rate=Fraction(240)), SETTINGS) == Fraction(60)
    assert output_frame_rate(probe(640, 360, rate=Fraction(123, 10)), SETTINGS) == Fraction(12)


def test_segment_names_and_playlists_fit_the_catalog_routes():
    from videoflix.domain.hls import is_valid_segment_name

    command = build_ladder_command("ffmpeg", "/in.mp4", probe(1280, 720), "/tmp/x", SETTINGS)
    segment_pattern = option(command, "-hls_segment_filename").rsplit("/", 1)[-1]
    assert is_valid_segment_name(segment_pattern.replace("%05d", "00042"))
    assert command[-1] == "/tmp/x/%v/index.m3u8" and option(command, "-master_pl_name") == "master.m3u8"


def test_output_directory_with_percent_is_refused():
    with pytest.raises(ValueError):
        build_ladder_command("ffmpeg", "/in.mp4", probe(1280, 720), "/tmp/100%", SETTINGS)


def test_thumbnail_command_takes_one_frame_at_ten_percent():
    command = build_thumbnail_command("ffmpeg", "/in.mp4", probe(1920, 1080, duration=95.0), "/out/thumbnail.jpg")
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-ss", "9.500",
        "-protocol_whitelist", "file", "-f", "mov", "-i", "file:/in.mp4",
        "-map", "0:0", "-frames:v", "1", "-vf", "scale=1280:720,setsar=1", "-map_metadata", "-1",
        "-q:v", "3", "-f", "image2", "-update", "1", "-y", "/out/thumbnail.jpg",
    ]


@pytest.mark.parametrize("source, scale", [
    (probe(320, 240), "scale=320:240,setsar=1"),  # never enlarged
    (probe(1080, 1920), "scale=720:1280,setsar=1"),
    (probe(1920, 1080, rotation=90), "scale=720:1280,setsar=1"),
])
def test_thumbnail_fits_the_box_in_the_sources_orientation(source, scale):
    assert option(build_thumbnail_command("ffmpeg", "/in.mp4", source, "/t.jpg"), "-vf") == scale
