"""Probing and the ladder against the real FFmpeg binary and PyAV, on clips made by FFmpeg."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from tests.integration.videos.conftest import assert_truthful_bandwidth, remux
from videoflix.pipeline.ffmpeg import FFmpegFailed, ffmpeg_executable, run_ffmpeg
from videoflix.pipeline.ladder import LadderSettings, build_ladder_command, build_thumbnail_command
from videoflix.pipeline.probe import MATROSKA, MOV, MediaRejected, probe_media
from videoflix.domain.hls import is_valid_segment_name, master_variants, segment_names
from videoflix_tools.clips import generate_test_clip

pytestmark = pytest.mark.integration

FAST = LadderSettings(preset="ultrafast")


def test_probe_reads_size_rate_audio_and_duration(clip_factory):
    probe = probe_media(str(clip_factory(seconds=2, width=640, height=360)), max_duration=60)
    assert (probe.format_name, probe.width, probe.height, probe.rotation) == (MOV, 640, 360, 0)
    assert probe.frame_rate == Fraction(25) and probe.has_audio and probe.video_codec == "h264"
    assert 1.9 < probe.duration < 2.2


def test_probe_of_matroska_and_webm_without_audio(tmp_path):
    for name in ("clip.mkv", "clip.webm"):
        path = tmp_path / name
        generate_test_clip(str(path), seconds=1, width=320, height=240, audio=False)
        probe = probe_media(str(path), max_duration=60)
        assert probe.format_name == MATROSKA and not probe.has_audio
        assert (probe.display_width, probe.display_height) == (320, 240)


def test_probe_measures_a_browser_recording_that_states_no_duration(tmp_path):
    recording = tmp_path / "recording.webm"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
                "-i", "testsrc2=size=320x240:rate=25:duration=2", "-c:v", "libvpx-vp9", "-deadline", "realtime",
                "-cpu-used", "8", "-f", "webm", "-live", "1", "-y", str(recording)],
               duration=2, time_budget=60, on_progress=None)
    with av.open(str(recording)) as container:
        assert container.duration is None  # as MediaRecorder writes it
    assert 1.9 < probe_media(str(recording), max_duration=60).duration < 2.1
    with pytest.raises(MediaRejected, match="limit"):
        probe_media(str(recording), max_duration=1)


def test_probe_sees_the_display_rotation_of_phone_videos(clip_factory, tmp_path):
    rotated = remux(clip_factory(seconds=2, width=640, height=360), tmp_path / "phone.mp4", "-display_rotation", "90")
    probe = probe_media(str(rotated), max_duration=60)
    assert (probe.width, probe.height, probe.rotation) == (640, 360, 90)
    assert (probe.display_width, probe.display_height) == (360, 640)


def test_audio_only_file_is_rejected(tmp_path):
    audio = tmp_path / "song.mp4"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
                "-i", "sine=duration=1", "-c:a", "aac", "-y", str(audio)], duration=1, time_budget=60, on_progress=None)
    with pytest.raises(MediaRejected, match="no video track"):
        probe_media(str(audio), max_duration=60)


def test_too_long_video_is_rejected_with_the_limit(clip_factory):
    with pytest.raises(MediaRejected) as caught:
        probe_media(str(clip_factory(seconds=2, width=640, height=360)), max_duration=1)
    assert "limit" in caught.value.reason and "MAX_VIDEO_DURATION" in caught.value.reason


def test_truncated_upload_is_rejected_as_unreadable(clip_factory, tmp_path):
    data = clip_factory(seconds=2, width=640, height=360).read_bytes()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(data[: len(data) // 2])  # the index (moov) is at the end: lost
    with pytest.raises(MediaRejected, match="could not be read"):
        probe_media(str(broken), max_duration=60)


def test_ffmpeg_failure_carries_its_error_output(tmp_path):
    with pytest.raises(FFmpegFailed) as caught:
        run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-i", str(tmp_path / "missing.mp4"),
                    "-f", "null", "-"], duration=1, time_budget=60, on_progress=None)
    assert "No such file or directory" in str(caught.value)


def keyframe_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [round(float(p.pts * p.time_base), 2) for p in container.demux(stream) if p.is_keyframe]


def test_1080p_ladder_decodes_each_rung_with_aligned_keyframes(tmp_path):
    source = tmp_path / "hd.mp4"
    generate_test_clip(str(source), seconds=4, width=1920, height=1080, audio=True, rate=10)
    probe = probe_media(str(source), max_duration=60)
    output = tmp_path / "out"
    output.mkdir()
    seen = []
    run_ffmpeg(build_ladder_command(ffmpeg_executable(), str(source), probe, str(output), FAST),
               duration=probe.duration, time_budget=120, on_progress=seen.append, progress_interval=0)
    assert seen and seen[-1] == 100

    master = (output / "master.m3u8").read_text()
    assert master_variants(master) == ["480p", "720p", "1080p"]
    assert sorted(p.name for p in output.iterdir()) == ["1080p", "480p", "720p", "master.m3u8"]
    assert master.count("BANDWIDTH=") == 6  # measured peak and average per rung
    keyframes = []
    for rung, size in (("480p", (854, 480)), ("720p", (1280, 720)), ("1080p", (1920, 1080))):
        playlist = (output / rung / "index.m3u8").read_text()
        assert "#EXT-X-PLAYLIST-TYPE:VOD" in playlist and "#EXT-X-ENDLIST" in playlist
        names = segment_names(playlist)
        assert names and all(is_valid_segment_name(n) for n in names)
        segment = output / rung / names[0]
        with av.open(str(segment)) as container:
            assert container.streams.audio[0].codec_context.name == "aac"
            frames = list(container.decode(video=0))
        assert {(f.width, f.height) for f in frames} == {size}
        assert len(frames) == 40  # 4 s at a constant 10 fps on every rung
        keyframes.append(keyframe_times(segment))
    start = keyframes[0][0]
    assert [[round(t - start, 2) for t in times] for times in keyframes] == [[0.0, 2.0]] * 3


def test_capped_crf_ladder_master_bandwidth_is_measured_from_the_segments(tmp_path):
    # Six still seconds, then six of heavy noise: one cheap and one expensive segment per rung.
    source = tmp_path / "still_then_noise.mp4"
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-nostdin", "-filter_complex",
                "color=c=gray:size=1280x720:rate=10:duration=6[still];"
                "color=c=gray:size=1280x720:rate=10:duration=6,noise=alls=40:allf=t+u[noise];"
                "[still][noise]concat=n=2:v=1:a=0[v];sine=duration=12[a]",
                "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10",
                "-c:a", "aac", "-y", str(source)], duration=12, time_budget=120, on_progress=None)
    probe = probe_media(str(source), max_duration=60)
    output = tmp_path / "out"
    output.mkdir()
    run_ffmpeg(build_ladder_command(ffmpeg_executable(), str(source), probe, str(output), FAST),
               duration=probe.duration, time_budget=120, on_progress=None)

    for rung, crf, maxrate in (("480p", 17, 1500), ("720p", 20, 3000)):
        first = sorted((output / rung).glob("*.ts"))[0].read_bytes()
        assert b"rc=crf" in first and f"crf={crf}.0".encode() in first  # x264's own record of its settings
        assert f"vbv_maxrate={maxrate} ".encode() in first
    assert_truthful_bandwidth(output)
    master = (output / "master.m3u8").read_text()
    # Measured, not the cap: the still segment pulls the average far below the peak.
    for line in (l for l in master.splitlines() if l.startswith("#EXT-X-STREAM-INF:")):
        peak = int(line.split("BANDWIDTH=", 1)[1].split(",", 1)[0])
        average = int(line.split("AVERAGE-BANDWIDTH=", 1)[1].split(",", 1)[0])
        assert average < peak * 0.75, line


def test_thumbnail_is_a_jpeg_of_the_upright_picture(clip_factory, tmp_path):
    rotated = remux(clip_factory(seconds=2, width=640, height=360), tmp_path / "phone.mp4", "-display_rotation", "90")
    probe = probe_media(str(rotated), max_duration=60)
    thumbnail = tmp_path / "thumbnail.jpg"
    run_ffmpeg(build_thumbnail_command(ffmpeg_executable(), str(rotated), probe, str(thumbnail)),
               duration=1, time_budget=60, on_progress=None)
    assert thumbnail.read_bytes()[:3] == b"\xff\xd8\xff"
    with av.open(str(thumbnail)) as image:
        frame = next(image.decode(video=0))
        assert (frame.width, frame.height) == (360, 640)
