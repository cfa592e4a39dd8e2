"""Per-title caps with real FFmpeg: a still slide needs few bits, and the ladder keeps under the chosen caps."""
from __future__ import annotations

import av
import pytest

from tests.integration.videos.conftest import assert_truthful_bandwidth
from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
from videoflix.domain.hls import parse_media_playlist
from videoflix.pipeline.ladder import LadderSettings, build_ladder_command, plan_ladder, rung_limits
from videoflix.pipeline.pertitle import CANDIDATE_PERCENTS, PerTitleSettings, as_settings, choose_caps
from videoflix.pipeline.probe import probe_media

pytestmark = pytest.mark.integration

FAST = LadderSettings(preset="ultrafast")


def test_a_still_slide_gets_the_lowest_cap_and_costs_far_below_todays_target(tmp_path):
    source = tmp_path / "slide.mp4"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
                "-i", "smptehdbars=size=1280x720:rate=10:duration=6", "-f", "lavfi", "-i", "sine=duration=6",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-c:a", "aac", "-y", str(source)],
               duration=6, time_budget=120, on_progress=None)
    probe = probe_media(str(source), max_duration=60)
    work = tmp_path / "trial"
    work.mkdir()

    caps = choose_caps(ffmpeg_executable(), str(source), probe, FAST, PerTitleSettings(), work, time_budget=300)

    assert caps == {"480p": CANDIDATE_PERCENTS[-1], "720p": CANDIDATE_PERCENTS[-1]}
    settings = LadderSettings(preset="ultrafast", rung_caps=as_settings(caps))
    output = tmp_path / "out"
    output.mkdir()
    run_ffmpeg(build_ladder_command(ffmpeg_executable(), str(source), probe, str(output), settings),
               duration=probe.duration, time_budget=120, on_progress=None)
    for planned in plan_ladder(probe):
        maxrate, bufsize = (1000 * value for value in rung_limits(planned, settings))
        assert maxrate == planned.rung.video_kbps * 1000 * CANDIDATE_PERCENTS[-1] // 100
        folder = output / planned.name
        segments = parse_media_playlist((folder / "index.m3u8").read_text())
        video_bits = []
        for name, seconds in segments:
            with av.open(str(folder / name), format="mpegts") as container:
                bits = 8 * sum(p.size for p in container.demux(container.streams.video[0]))
            assert bits <= maxrate * seconds + bufsize, (planned.name, name)  # under the per-title cap
            video_bits.append(bits)
        rate = sum(video_bits) / sum(seconds for _, seconds in segments)
        assert rate < planned.rung.video_kbps * 1000 / 10, planned.name  # a tenth of today's target at most
    assert_truthful_bandwidth(output)


def test_disabled_trials_cap_every_rung_at_its_target_without_running_ffmpeg(tmp_path, clip_factory):
    probe = probe_media(str(clip_factory(seconds=2, width=1280, height=720)), max_duration=60)
    caps = choose_caps("/nonexistent/ffmpeg", "/nonexistent", probe, FAST, PerTitleSettings(enabled=False), tmp_path,
                       time_budget=1)
    assert caps == {"480p": 100, "720p": 100}
