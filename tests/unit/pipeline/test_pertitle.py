"""Per-title caps: the sample windows, the choice, and the FFmpeg argument lists, without running FFmpeg."""
from fractions import Fraction

import pytest

from videoflix.pipeline.fanout.chunking import Chunk
from videoflix.pipeline.fanout.commands import build_chunk_command
from videoflix.pipeline.fanout.plan import FanoutPlan
from videoflix.pipeline.ladder import LadderSettings, build_ladder_command, plan_ladder, rung_limits
from videoflix.pipeline.pertitle import (Trial, build_trial_command, build_vmaf_command, choose_percent,
                                         keeps_trying, sample_windows)
from videoflix.pipeline.probe import MediaProbe

SETTINGS = LadderSettings(preset="veryfast")


def probe(width=1920, height=1080, duration=120.0):
    return MediaProbe(format_name="mov", duration=duration, width=width, height=height, video_stream_index=0,
                      audio_stream_index=1, frame_rate=Fraction(25), video_codec="h264")


def option(command, name):
    return command[command.index(name) + 1]


def test_three_excerpts_centred_in_thirds_of_the_film():
    assert sample_windows(120.0, 9.0, 3) == [(18.5, 3.0), (58.5, 3.0), (98.5, 3.0)]


@pytest.mark.parametrize("duration", [4.0, 12.0, 15.9])
def test_a_film_under_twice_the_sample_is_taken_whole(duration):
    assert sample_windows(duration, 8.0, 3) == [(0.0, duration)]


def test_a_film_without_duration_is_refused():
    with pytest.raises(ValueError):
        sample_windows(0.0, 8.0, 3)


def test_lowest_cap_within_tolerance_of_todays_score():
    scores = {100: 48.7, 70: 46.4, 50: 44.1, 35: 42.9}
    assert choose_percent(scores, reference=44.9, tolerance=1.0) == 50
    assert choose_percent(scores, reference=44.9, tolerance=3.0) == 35


def test_a_still_picture_gets_the_lowest_candidate():
    assert choose_percent({100: 97.0, 70: 97.0, 50: 97.0, 35: 97.0}, reference=97.4, tolerance=1.0) == 35


def test_when_no_candidate_keeps_todays_picture_the_highest_tried_is_kept():
    assert choose_percent({100: 95.1, 70: 94.0}, reference=96.9, tolerance=1.0) == 100


def test_candidates_stop_after_the_first_one_out_of_tolerance():
    assert keeps_trying(44.1, reference=44.9, tolerance=1.0)
    assert not keeps_trying(42.9, reference=44.9, tolerance=1.0)


def test_a_cap_is_a_percent_of_the_target_with_the_buffer_scaled_alike():
    rung_1080 = plan_ladder(probe())[2]
    assert rung_limits(rung_1080, SETTINGS) == (5350, 7500)  # no per-title cap: the rung table's
    assert rung_limits(rung_1080, LadderSettings(rung_caps=(("1080p", 100),))) == (5000, 7009)
    assert rung_limits(rung_1080, LadderSettings(rung_caps=(("1080p", 50),))) == (2500, 3505)
    assert rung_limits(rung_1080, LadderSettings(rate_control="fixed", rung_caps=(("1080p", 50),))) == (5350, 7500)


def test_a_small_source_scales_the_per_title_cap_like_the_table_cap():
    small = plan_ladder(probe(426, 240))[0]  # a quarter of the 480p box's bits
    assert rung_limits(small, LadderSettings(rung_caps=(("480p", 50),))) == (175, 245)


@pytest.mark.parametrize("caps", [(("2160p", 50),), (("480p", 0),), (("480p", 101),)])
def test_bad_caps_are_refused(caps):
    with pytest.raises(ValueError, match="rung cap"):
        LadderSettings(rung_caps=caps)


def test_ladder_and_chunks_share_the_per_title_caps_of_the_plan():
    caps = (("1080p", 35), ("480p", 70), ("720p", 50))
    plan = FanoutPlan("uploads", "u/7/film.mp4", probe(), "veryfast", (Chunk(0, 0, 750, 0, 5),), rung_caps=caps)
    stored = FanoutPlan.from_json(plan.to_json())
    assert stored.rung_caps == caps and stored.to_json()["rung_caps"] == {"1080p": 35, "480p": 70, "720p": 50}
    chunk = build_chunk_command("ffmpeg", "/src.mp4", stored.probe, stored.chunks[0], "/out", stored.ladder_settings)
    ladder = build_ladder_command("ffmpeg", "/src.mp4", stored.probe, "/out", LadderSettings(rung_caps=caps))
    expected = {"-crf:v:0": "17", "-maxrate:v:0": "980k", "-bufsize:v:0": "1372k",
                "-crf:v:1": "20", "-maxrate:v:1": "1400k", "-bufsize:v:1": "1960k",
                "-crf:v:2": "23", "-maxrate:v:2": "1750k", "-bufsize:v:2": "2453k"}
    for name, value in expected.items():
        assert option(chunk, name) == option(ladder, name) == value, name


def test_a_plan_stored_before_per_title_caps_keeps_the_table_caps():
    plan = FanoutPlan("uploads", "u/7/film.mp4", probe(), "veryfast", (Chunk(0, 0, 750, 0, 5),))
    stored = plan.to_json()
    del stored["rung_caps"]
    assert FanoutPlan.from_json(stored).ladder_settings.rung_caps == ()


def test_trial_command_encodes_the_excerpts_once_per_trial():
    rungs = plan_ladder(probe())
    trials = [Trial(rungs[0], None), Trial(rungs[0], 50), Trial(rungs[2], 50)]
    windows = [(18.5, 3.0), (98.5, 3.0)]
    command = build_trial_command("ffmpeg", "/src.mp4", probe(), windows, trials, SETTINGS, "/t")
    src = ["-protocol_whitelist", "file", "-f", "mov", "-i", "file:/src.mp4"]
    codec = ["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-g", "50", "-keyint_min", "50",
             "-sc_threshold", "0"]
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
        "-ss", "18.500", "-t", "3.000", *src, "-ss", "98.500", "-t", "3.000", *src,
        "-filter_complex", "[0:0]fps=25,format=yuv420p,setpts=PTS-STARTPTS[x0];"
                           "[1:0]fps=25,format=yuv420p,setpts=PTS-STARTPTS[x1];[x0][x1]concat=n=2:v=1:a=0[sample];"
                           "[sample]split=3[s0][s1][s2];[s0]scale=854:480,setsar=1[v0];"
                           "[s1]scale=854:480,setsar=1[v1];[s2]scale=1920:1080,setsar=1[v2]",
        # today's way: the fixed target bitrate
        "-map", "[v0]", *codec, "-b:v:0", "1400k", "-maxrate:v:0", "1500k", "-bufsize:v:0", "2100k",
        "-an", "-f", "mpegts", "-y", "/t/480p-today.ts",
        "-map", "[v1]", *codec, "-crf:v:0", "17", "-maxrate:v:0", "700k", "-bufsize:v:0", "980k",
        "-an", "-f", "mpegts", "-y", "/t/480p-50.ts",
        "-map", "[v2]", *codec, "-crf:v:0", "23", "-maxrate:v:0", "2500k", "-bufsize:v:0", "3505k",
        "-an", "-f", "mpegts", "-y", "/t/1080p-50.ts"]


def test_vmaf_command_scores_each_trial_against_the_sample_at_its_size():
    rungs = plan_ladder(probe(duration=6.0))
    trials = [Trial(rungs[1], 70)]
    command = build_vmaf_command("ffmpeg", "/src.mp4", probe(duration=6.0), [(0.0, 6.0)], trials, "/t", SETTINGS,
                                 subsample=2, threads=2)
    assert command == [
        "ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-f", "mpegts",
        "-i", "/t/720p-70.ts",
        "-t", "6.000", "-protocol_whitelist", "file", "-f", "mov", "-i", "file:/src.mp4",
        "-filter_complex", "[1:0]fps=25,format=yuv420p,setpts=PTS-STARTPTS[sample];[sample]split=1[r0];"
                           "[r0]scale=1280:720:flags=bicubic,setsar=1,setpts=PTS-STARTPTS[ref0];"
                           "[0:v]setpts=PTS-STARTPTS[dis0];"
                           "[dis0][ref0]libvmaf=model=version=vmaf_v0.6.1:n_threads=2:n_subsample=2"
                           ":log_fmt=json:log_path=/t/720p-70.json:ts_sync_mode=nearest[score0]",
        "-map", "[score0]", "-f", "null", "-"]
