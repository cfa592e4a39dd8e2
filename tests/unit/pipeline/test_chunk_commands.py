"""The FFmpeg argument lists of fan-out jobs, compared without running FFmpeg."""
from fractions import Fraction

import pytest

from videoflix.pipeline.fanout.chunking import AudioPart, plan_audio_parts
from videoflix.pipeline.fanout.commands import (AUDIO_POSTROLL_FRAMES, AUDIO_PREROLL_FRAMES, audio_cut,
                                                audio_part_seconds, build_audio_command, build_chunk_command)
from videoflix.pipeline.fanout.chunking import Chunk
from videoflix.pipeline.ladder import LadderSettings, build_ladder_command, source_input
from videoflix.pipeline.probe import MediaProbe

SETTINGS = LadderSettings(preset="veryfast")
URL = "https://bucket.s3.eu-central-1.amazonaws.com/uploads/7/film.mp4?X-Amz-Signature=abc"


def probe(width=1920, height=1080, audio=True, rate=Fraction(25), duration=120.0):
    return MediaProbe(format_name="mov", duration=duration, width=width, height=height, video_stream_index=0,
                      audio_stream_index=1 if audio else None, frame_rate=rate, video_codec="h264")


def option(command, name):
    return command[command.index(name) + 1]


def test_second_chunk_of_a_1080p_film():
    command = build_chunk_command("ffmpeg", URL, probe(), Chunk(1, 750, 750, 5, 5), "/tmp/out", SETTINGS, "r3_")
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
        "-ss", "30.000000",  # before -i: a seek, frame-accurate since the chunk is re-encoded
        "-protocol_whitelist", "https,tls,tcp", "-reconnect", "1", "-reconnect_on_network_error", "1",
        "-rw_timeout", "30000000", "-f", "mov", "-i", URL,
        "-filter_complex", "[0:0]fps=25:start_time=0,format=yuv420p,split=3[s0][s1][s2];"
                           "[s0]scale=854:480,setsar=1[v0];[s1]scale=1280:720,setsar=1[v1];"
                           "[s2]scale=1920:1080,setsar=1[v2]",
        "-map", "[v0]", "-map", "[v1]", "-map", "[v2]",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-g", "50", "-keyint_min", "50",
        "-sc_threshold", "0",
        # One CRF per rung, the same for every chunk of the film: no quality step at chunk joins.
        "-crf:v:0", "17", "-maxrate:v:0", "1500k", "-bufsize:v:0", "2100k",
        "-crf:v:1", "20", "-maxrate:v:1", "3000k", "-bufsize:v:1", "4200k",
        "-crf:v:2", "23", "-maxrate:v:2", "5350k", "-bufsize:v:2", "7500k",
        "-force_key_frames", "expr:eq(mod(n,50),0)",
        "-frames:v", "750",
        "-output_ts_offset", "40.000000",  # 10 s above zero, then the chunk's place on the timeline
        "-f", "hls", "-hls_time", "6.000000", "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
        "-hls_segment_type", "mpegts", "-hls_segment_filename", "/tmp/out/%v/r3_segment_%05d.ts",
        "-master_pl_name", "master.m3u8", "-start_number", "5",
        "-var_stream_map", "v:0,name:480p v:1,name:720p v:2,name:1080p",
        "-y", "/tmp/out/%v/index.m3u8"]


def test_chunk_uses_the_rungs_and_encoder_settings_of_the_single_process_ladder():
    source = probe(1280, 720)
    chunk = build_chunk_command("ffmpeg", "/src.mp4", source, Chunk(0, 0, 750, 0, 5), "/out", SETTINGS)
    ladder = build_ladder_command("ffmpeg", "/src.mp4", source, "/out", SETTINGS)
    for name in ("-c:v", "-preset", "-profile:v", "-g", "-keyint_min", "-sc_threshold", "-crf:v:0", "-crf:v:1",
                 "-maxrate:v:0", "-maxrate:v:1", "-bufsize:v:0", "-bufsize:v:1", "-hls_segment_type", "-hls_flags"):
        assert option(chunk, name) == option(ladder, name), name
    assert "-map" in chunk and "0:1" not in chunk and "-c:a" not in chunk  # video only


def test_every_chunk_of_a_film_gets_the_same_rate_control():
    def rate_control(chunk):
        command = build_chunk_command("ffmpeg", URL, probe(), chunk, "/out", SETTINGS)
        return [(arg, command[i + 1]) for i, arg in enumerate(command) if arg.startswith(("-crf", "-maxrate",
                                                                                           "-bufsize", "-b:v"))]
    chunks = [Chunk(0, 0, 750, 0, 5), Chunk(1, 750, 750, 5, 5), Chunk(3, 2250, None, 15, 5)]
    first, *others = [rate_control(chunk) for chunk in chunks]
    assert len(first) == 9 and all(other == first for other in others)


def test_first_chunk_does_not_seek_and_the_last_runs_to_the_end():
    first = build_chunk_command("ffmpeg", URL, probe(), Chunk(0, 0, 750, 0, 5), "/out", SETTINGS)
    assert "-ss" not in first and option(first, "-output_ts_offset") == "10.000000"
    last = build_chunk_command("ffmpeg", URL, probe(), Chunk(3, 2250, None, 15, 5), "/out", SETTINGS)
    assert "-frames:v" not in last and option(last, "-ss") == "90.000000"


def test_ntsc_chunks_seek_to_exact_frame_times():
    command = build_chunk_command("ffmpeg", URL, probe(rate=Fraction(30000, 1001)), Chunk(1, 900, 900, 5, 5),
                                  "/out", SETTINGS)
    assert option(command, "-ss") == "30.030000" and option(command, "-hls_time") == "6.006000"
    assert option(command, "-force_key_frames") == "expr:eq(mod(n,60),0)"


def test_the_whole_audio_track_is_one_rendition_encoded_from_zero():
    command = build_audio_command("ffmpeg", URL, probe(), "/out", SETTINGS, 160, "r3_")
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
        "-protocol_whitelist", "https,tls,tcp", "-reconnect", "1", "-reconnect_on_network_error", "1",
        "-rw_timeout", "30000000", "-f", "mov", "-i", URL, "-map", "0:1", "-map_metadata", "-1", "-map_chapters", "-1",
        "-c:a", "aac", "-aac_coder", "fast", "-ac", "2", "-ar", "48000", "-b:a", "160k",
        "-t", "119.978667",  # one AAC frame less: the priming frame sits before zero
        "-output_ts_offset", "10.000000",
        "-f", "hls", "-hls_time", "6.000000", "-hls_playlist_type", "vod", "-hls_flags", "independent_segments",
        "-hls_segment_type", "mpegts", "-hls_segment_filename", "/out/%v/r3_segment_%05d.ts",
        "-master_pl_name", "master.m3u8", "-start_number", "0", "-var_stream_map", "a:0,name:audio",
        "-y", "/out/%v/index.m3u8"]
    with pytest.raises(ValueError, match="no audio"):
        build_audio_command("ffmpeg", URL, probe(audio=False), "/out", SETTINGS, 160)


@pytest.mark.parametrize("source, protocols", [
    ("http://127.0.0.1:5000/videoflix-uploads/uploads/1/a.mp4?X-Amz-Signature=x", "http,tcp"),
    (URL, "https,tls,tcp"),
    ("/tmp/work/source.mp4", "file"),
])
def test_each_source_may_use_its_own_protocol_only(source, protocols):
    args = source_input(source, probe())
    assert option(args, "-protocol_whitelist") == protocols and option(args, "-f") == "mov"
    assert args[-1] == (f"file:{source}" if protocols == "file" else source)
    if protocols != "file":  # a stalled read fails (and reconnects) instead of hanging the worker
        assert option(args, "-rw_timeout") == "30000000" and option(args, "-reconnect") == "1"


@pytest.mark.parametrize("source", ["ftp://host/a.mp4", "concat:a.mp4|b.mp4://x", "data://x"])
def test_other_url_schemes_are_refused(source):
    with pytest.raises(ValueError, match="scheme"):
        source_input(source, probe())


@pytest.mark.parametrize("folder, prefix", [("/tmp/50%/x", ""), ("/out", "../"), ("/out", "r1 "), ("/out", "%d")])
def test_names_ffmpeg_would_expand_or_the_catalog_refuse_are_rejected(folder, prefix):
    with pytest.raises(ValueError):
        build_chunk_command("ffmpeg", URL, probe(), Chunk(0, 0, 750, 0, 5), folder, SETTINGS, prefix)


def test_an_audio_part_encodes_past_its_edges_on_the_frame_grid_and_keeps_its_own_frames():
    # Segments 20-39 of a 25 fps film: 120 s to 240 s. AAC frames are 1024/48000 s = 21.333 ms.
    command = build_audio_command("ffmpeg", URL, probe(duration=600), "/out", SETTINGS, 160, "r3_",
                                  AudioPart(1, 20, 20))
    # The cut: the first frame at most one frame before 120 s is frame 5624 of the grid that starts
    # at minus one frame.
    first = audio_cut(20, Fraction(25), SETTINGS)
    frame = Fraction(1024, 48000)
    assert first == 5624 * frame and 120 - frame <= first < 120
    start = first - AUDIO_PREROLL_FRAMES * frame  # whole frames from zero: the same grid as part 0
    assert (start / frame).denominator == 1
    assert option(command, "-ss") == f"{float(start):.6f}"
    assert option(command, "-output_ts_offset") == f"{10 + float(start):.6f}"
    after = audio_cut(40, Fraction(25), SETTINGS)
    assert option(command, "-t") == f"{float(after + AUDIO_POSTROLL_FRAMES * frame - start):.6f}"
    assert option(command, "-bsf:a") == (f"noise=drop=lt(pts*tb\\,{float(first - start - frame / 2):.6f})"
                                         f"+gte(pts*tb\\,{float(after - start - frame / 2):.6f})")
    assert option(command, "-start_number") == "20"


def test_the_first_part_does_not_seek_and_the_last_runs_to_the_end_of_the_sound():
    first = build_audio_command("ffmpeg", URL, probe(duration=600), "/out", SETTINGS, 160, "", AudioPart(0, 0, 50))
    assert "-ss" not in first  # `-ss 0` would shift an MP4's AAC by its priming
    assert option(first, "-bsf:a").startswith("noise=drop=gte(") and "lt(" not in option(first, "-bsf:a")
    last = build_audio_command("ffmpeg", URL, probe(duration=600), "/out", SETTINGS, 160, "", AudioPart(1, 50, None))
    assert option(last, "-bsf:a") == f"noise=drop=lt(pts*tb\\,{float(47 * Fraction(1024, 48000) - Fraction(512, 48000)):.6f})"
    start = Fraction(option(last, "-ss"))
    assert float(start + Fraction(option(last, "-t"))) == pytest.approx(600 - 1024 / 48000, abs=1e-5)


def test_audio_part_seconds_cover_the_sound_from_cut_to_cut():
    parts = plan_audio_parts(100.0, Fraction(25), 30, SETTINGS)
    assert parts == [AudioPart(0, 0, 5), AudioPart(1, 5, 5), AudioPart(2, 10, 5), AudioPart(3, 15, None)]
    spans = [audio_part_seconds(p, probe(duration=100), SETTINGS) for p in parts]
    assert spans[0] == (0.0, pytest.approx(30 - 1024 / 48000 * 0.5, abs=0.011))
    for (start, seconds), (following, _) in zip(spans, spans[1:]):
        assert start + seconds == pytest.approx(following, abs=1e-9)
    assert spans[-1][0] + spans[-1][1] == pytest.approx(100.0)


def test_a_last_audio_part_of_under_a_second_rides_with_the_one_before():
    # 7,200.02 s: one frame past 1,200 segments would make a 25th part of a single segment.
    assert plan_audio_parts(7200.02, Fraction(25), 300, SETTINGS)[-1] == AudioPart(23, 1150, None)
    assert plan_audio_parts(7201.5, Fraction(25), 300, SETTINGS)[-1] == AudioPart(24, 1200, None)
    assert plan_audio_parts(0.5, Fraction(25), 300, SETTINGS) == [AudioPart(0, 0, None)]
