"""The AV1 ladder's FFmpeg arguments and its variants in the master playlist, without running FFmpeg."""
from fractions import Fraction

import pytest

from videoflix.domain.hls import (Segment, VideoVariant, av1_codecs, av1_codecs_signalled, join_av1_variants,
                                  map_uris, rewrite_playlist, segment_names)
from videoflix.pipeline.ladder import (RUNGS, LadderSettings, build_av1_ladder_command, build_ladder_command,
                                       plan_ladder)
from videoflix.pipeline.probe import MediaProbe


def probe(width, height, audio=True, rate=Fraction(25)):
    return MediaProbe(format_name="mov", duration=120.0, width=width, height=height, video_stream_index=0,
                      audio_stream_index=1 if audio else None, rotation=0, sample_aspect_ratio=Fraction(1),
                      frame_rate=rate, video_codec="h264")


def option(command, name):
    return command[command.index(name) + 1]


def test_720p_av1_command_is_one_svt_av1_process_writing_cmaf():
    command = build_av1_ladder_command("ffmpeg", "/work/source.mp4", probe(1280, 720), "/work/out", LadderSettings())
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-progress", "pipe:1",
        "-protocol_whitelist", "file", "-f", "mov", "-i", "file:/work/source.mp4",
        "-filter_complex",
        "[0:0]fps=25,format=yuv420p,split=2[s0][s1];"
        "[s0]scale=854:480,setsar=1[v0];[s1]scale=1280:720,setsar=1[v1]",
        "-map", "[v0]", "-map", "0:1", "-map", "[v1]", "-map", "0:1",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-c:v", "libsvtav1", "-g", "50", "-svtav1-params", "scd=0",
        "-preset:v:0", "8", "-crf:v:0", "31", "-maxrate:v:0", "840k", "-bufsize:v:0", "1260k",
        "-preset:v:1", "8", "-crf:v:1", "33", "-maxrate:v:1", "1680k", "-bufsize:v:1", "2520k",
        "-c:a", "aac", "-ac", "2", "-ar", "48000", "-b:a:0", "96k", "-b:a:1", "128k",
        "-f", "hls", "-hls_time", "6", "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
        "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", "/work/out/%v/segment_%05d.m4s",
        "-master_pl_name", "av1_master.m3u8", "-var_stream_map", "v:0,a:0,name:av1-480p v:1,a:1,name:av1-720p",
        "-y", "/work/out/%v/index.m3u8",
    ]


@pytest.mark.parametrize("source", [probe(1920, 1080), probe(640, 360), probe(1080, 1920, audio=False),
                                    probe(1920, 1080, rate=Fraction(30000, 1001))])
def test_av1_rungs_and_segment_boundaries_are_the_h264_ladders(source):
    """Same sizes (never upscaled), frames, GOP and segment length: a player could switch at any segment."""
    h264 = build_ladder_command("ffmpeg", "/s.mp4", source, "/out", LadderSettings())
    av1 = build_av1_ladder_command("ffmpeg", "/s.mp4", source, "/out", LadderSettings())
    for name in ("-filter_complex", "-g", "-hls_time"):
        assert option(av1, name) == option(h264, name)
    assert option(av1, "-var_stream_map") == option(h264, "-var_stream_map").replace("name:", "name:av1-")
    assert "-sc_threshold" in h264 and option(av1, "-svtav1-params") == "scd=0"  # no scene-cut keyframes either


def test_every_av1_rung_is_capped_below_60_percent_of_the_fixed_h264_ladder():
    for rung in RUNGS:
        assert 0 < rung.av1_max_video_kbps <= rung.video_kbps * 0.6
        assert rung.av1_buffer_kbits >= rung.av1_max_video_kbps  # at least a second of the cap


def test_a_small_source_scales_the_av1_caps_like_the_h264_ones():
    command = build_av1_ladder_command("ffmpeg", "/s.mp4", probe(320, 240), "/out", LadderSettings())
    share = plan_ladder(probe(320, 240))[0].bitrate_share
    assert option(command, "-maxrate:v:0") == f"{round(RUNGS[0].av1_max_video_kbps * share)}k"


def test_the_settings_preset_overrides_every_rungs():
    command = build_av1_ladder_command("ffmpeg", "/s.mp4", probe(1920, 1080), "/out", LadderSettings(av1_preset=12))
    assert [option(command, f"-preset:v:{i}") for i in range(3)] == ["12", "12", "12"]


def test_a_url_source_is_read_with_its_protocol_only():
    command = build_av1_ladder_command("ffmpeg", "https://bucket.s3/x?sig", probe(1280, 720), "/out", LadderSettings())
    assert option(command, "-protocol_whitelist") == "https,tls,tcp"
    assert option(command, "-i") == "https://bucket.s3/x?sig"


@pytest.mark.parametrize("width, height, rate, expected", [
    (426, 240, Fraction(24), "av01.0.00M.08"),
    (640, 360, Fraction(24), "av01.0.01M.08"),
    (854, 480, Fraction(25), "av01.0.04M.08"),
    (1280, 720, Fraction(25), "av01.0.05M.08"),
    (1920, 1080, Fraction(30), "av01.0.08M.08"),
    (1920, 1080, Fraction(60), "av01.0.09M.08"),  # twice the samples a second
])
def test_av1_codecs_name_the_level_of_the_size_and_rate(width, height, rate, expected):
    assert av1_codecs(width, height, rate) == expected


H264_MASTER = ("#EXTM3U\n#EXT-X-VERSION:3\n"
               "#EXT-X-STREAM-INF:BANDWIDTH=1000,AVERAGE-BANDWIDTH=900,RESOLUTION=854x480,CODECS=\"avc1.64001f,mp4a.40.2\"\n"
               "480p/index.m3u8\n\n"
               "#EXT-X-STREAM-INF:BANDWIDTH=3000,AVERAGE-BANDWIDTH=2900,RESOLUTION=1280x720,CODECS=\"avc1.64001f,mp4a.40.2\"\n"
               "720p/index.m3u8\n\n")
AV1 = [VideoVariant("av1-480p", 854, 480, Fraction(25), "av01.0.04M.08",
                    (Segment("segment_00000.m4s", 6.0, 600_000), Segment("segment_00001.m4s", 2.0, 100_000))),
       VideoVariant("av1-720p", 1280, 720, Fraction(25), "av01.0.05M.08",
                    (Segment("segment_00000.m4s", 6.0, 1_200_000), Segment("segment_00001.m4s", 2.0, 200_000)))]


def test_av1_variants_join_the_master_after_the_h264_ones_with_measured_bandwidth():
    joined = join_av1_variants(H264_MASTER, AV1, "mp4a.40.2")
    assert joined.startswith(H264_MASTER.rstrip("\n") + "\n\n")  # the H.264 part as it was
    assert joined.endswith(
        '#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=854x480,'
        'CODECS="av01.0.04M.08,mp4a.40.2",FRAME-RATE=25.000\nav1-480p/index.m3u8\n\n'
        '#EXT-X-STREAM-INF:BANDWIDTH=1600000,AVERAGE-BANDWIDTH=1400000,RESOLUTION=1280x720,'
        'CODECS="av01.0.05M.08,mp4a.40.2",FRAME-RATE=25.000\nav1-720p/index.m3u8\n')


def test_joining_again_replaces_the_av1_variants_and_none_gives_the_master_back():
    once = join_av1_variants(H264_MASTER, AV1, "mp4a.40.2")
    assert join_av1_variants(once, AV1, "mp4a.40.2") == once
    assert join_av1_variants(once, [], None) == H264_MASTER.rstrip("\n") + "\n"
    assert "mp4a" not in join_av1_variants(H264_MASTER, AV1, None).split("av01.0.04M.08")[1].split("\n")[0]


CMAF_PLAYLIST = ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI=\"init_0.mp4\"\n"
                 "#EXTINF:6.000000,\nsegment_00000.m4s\n#EXT-X-ENDLIST\n")


def test_an_fmp4_playlists_init_segment_is_rewritten_with_its_segments():
    rewritten = rewrite_playlist(CMAF_PLAYLIST, lambda name: f"https://cdn/{name}?sig")
    assert '#EXT-X-MAP:URI="https://cdn/init_0.mp4?sig"' in rewritten
    assert "https://cdn/segment_00000.m4s?sig" in rewritten
    assert map_uris(CMAF_PLAYLIST) == ["init_0.mp4"] and segment_names(CMAF_PLAYLIST) == ["segment_00000.m4s"]


def test_a_ts_playlist_is_rewritten_as_before():
    ts = "#EXTM3U\n#EXTINF:6.0,\nsegment_00000.ts\n#EXT-X-ENDLIST\n"
    assert rewrite_playlist(ts, lambda name: "u/" + name) == "#EXTM3U\n#EXTINF:6.0,\nu/segment_00000.ts\n#EXT-X-ENDLIST\n"
    assert map_uris(ts) == []


def test_codecs_come_from_the_av1c_box_the_encoder_wrote():
    # av1C: marker/version 0x81, then profile (3 bits) + level (5 bits), then tier, high bit depth, 12 bit...
    assert av1_codecs_signalled(b"....stsd....av1C\x81\x08\x0c\x00") == "av01.0.08M.08"
    assert av1_codecs_signalled(b"av1C\x81\x29\xc0\x00") == "av01.1.09H.10"
    assert av1_codecs_signalled(b"no box here") is None
