"""Test clips made by FFmpeg's own sources: the sample film, test fixtures and benchmarks, never a deployed function."""
from __future__ import annotations

from pathlib import Path

from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg


def generate_test_clip(path: str, seconds: float = 3, width: int = 1280, height: int = 720,
                       audio: bool = True, rate: int = 25) -> None:
    """Write a clip from FFmpeg's test sources (moving pattern, 440 Hz tone), fast to make.

    The extension picks the codecs: `.webm` gets VP9/Opus, anything else H.264/AAC.
    """
    webm = Path(path).suffix.lower() == ".webm"
    args = [ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    if webm:
        args += ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "500k"]
    else:
        args += ["-c:v", "libx264", "-preset", "ultrafast"]
    args += ["-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "libopus" if webm else "aac", "-shortest"]
    run_ffmpeg([*args, "-y", path], duration=seconds, time_budget=120, on_progress=None)
