"""The audio of a fanned-out film in parallel parts, joined: no gap, no click, no drift.

Real FFmpeg encodes of a pure tone, once as the whole track (the audio job before the split)
and once in parts of two segments (`build_audio_command` with each `AudioPart`). The parts'
segments, played one after the other, are compared with the whole track packet by packet
and sample by sample. A tone makes any fault stand out: a gap or an overlap moves every later
sample, a join of unrelated encodes makes a step in the wave.
"""
from __future__ import annotations

import array
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest

from videoflix.pipeline.fanout.chunking import plan_audio_parts
from videoflix.pipeline.fanout.commands import WHOLE_TRACK, aac_frame_seconds, audio_cut, build_audio_command
from videoflix.pipeline.ffmpeg import ffmpeg_executable, run_ffmpeg
from videoflix.domain.hls import segment_names
from videoflix.pipeline.ladder import LadderSettings
from videoflix.pipeline.probe import probe_media

pytestmark = pytest.mark.integration

LADDER = LadderSettings(preset="ultrafast")
SECONDS = 40
TONE_HZ = 440
TICK = 1 / 90_000  # MPEG-TS time stamps


def tone_clip(path: Path, sample_rate: int, frame_rate: str) -> Path:
    """A small picture and a 440 Hz tone as AAC in MP4, as a camera or an editor writes it."""
    run_ffmpeg([ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate={frame_rate}:duration={SECONDS}",
                "-f", "lavfi", "-i", f"sine=frequency={TONE_HZ}:sample_rate={sample_rate}:duration={SECONDS}",
                "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-b:a", "128k", "-shortest",
                "-y", str(path)], duration=SECONDS, time_budget=120, on_progress=None)
    return path


def encode(clip: Path, probe, folder: Path, part) -> list[Path]:
    """One audio job as the chunk worker runs it; the segments it wrote, in playlist order."""
    command = build_audio_command(ffmpeg_executable(), str(clip), probe, str(folder), LADDER, 160, "r1_", part)
    run_ffmpeg(command, duration=SECONDS, time_budget=120, on_progress=None)
    rendition = folder / "audio"
    return [rendition / name for name in segment_names((rendition / "index.m3u8").read_text())]


def packet_times(segments: list[Path]) -> list[float]:
    times = []
    for segment in segments:
        with av.open(str(segment), format="mpegts") as container:
            stream = container.streams.audio[0]
            times += [float(p.pts * stream.time_base) for p in container.demux(stream) if p.size]
    return times


def decoded(segments: list[Path], folder: Path) -> array.array:
    """The segments played in order, as one player would: 16-bit mono samples at 48 kHz."""
    joined = folder / "joined.ts"
    joined.write_bytes(b"".join(segment.read_bytes() for segment in segments))
    pcm = subprocess.run([ffmpeg_executable(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(joined),
                          "-map", "0:a", "-ac", "1", "-f", "s16le", "-"], check=True, capture_output=True).stdout
    return array.array("h", pcm)


def largest_step(samples: array.array, start: int, stop: int) -> int:
    return max(abs(samples[i + 1] - samples[i]) for i in range(max(0, start), min(len(samples), stop) - 1))


@pytest.mark.parametrize("sample_rate, frame_rate", [(44_100, "25"), (48_000, "30000/1001")])
def test_audio_parts_join_like_one_encode(tmp_path, sample_rate, frame_rate):
    clip = tone_clip(tmp_path / "tone.mp4", sample_rate, frame_rate)
    rate = Fraction(frame_rate)
    parts = plan_audio_parts(SECONDS, rate, 12, LADDER)  # two segments a part
    assert len(parts) == 4
    probe = probe_media(str(clip), max_duration=3600)
    whole = encode(clip, probe, tmp_path / "whole", WHOLE_TRACK)
    in_parts = []
    for part in parts:
        in_parts += encode(clip, probe, tmp_path / f"part{part.index}", part)
    assert [p.name for p in in_parts] == [p.name for p in whole], "the parts number their segments on"

    # Packets: the same frames at the same times, one AAC frame apart across every join.
    frame = float(aac_frame_seconds(LADDER))
    ours, theirs = packet_times(in_parts), packet_times(whole)
    assert len(ours) == len(theirs)
    assert ours == pytest.approx(theirs, abs=TICK)
    steps = [b - a for a, b in zip(ours, ours[1:])]
    assert min(steps) == pytest.approx(frame, abs=TICK) and max(steps) == pytest.approx(frame, abs=TICK)
    # Each segment starts within one AAC frame of its video segment, joins included.
    first_times = packet_times([in_parts[0]])[:1] + [packet_times([s])[0] for s in in_parts[1:]]
    starts = [first_times[0] + float(audio_cut(k, rate, LADDER) - audio_cut(0, rate, LADDER))
              for k in range(len(in_parts))]
    for k, (time, cut) in enumerate(zip(first_times, starts)):
        assert -TICK <= time - cut <= frame + TICK, f"segment {k}"

    # Samples: as many as the whole track (no drift), and the wave goes on smoothly at every join.
    joined, reference = decoded(in_parts, tmp_path), decoded(whole, tmp_path / "whole")
    assert len(joined) == len(reference)
    amplitude = max(reference[48_000:96_000])
    smooth = largest_step(reference, 48_000, len(reference) - 48_000)  # a tone's steepest step
    for part in parts[1:]:
        edge = round((float(audio_cut(part.first_segment, rate, LADDER)) + frame) * 48_000)
        near = range(edge - 2048, edge + 2048)
        assert max(abs(joined[i] - reference[i]) for i in near) < 0.1 * amplitude, f"join at {edge / 48_000:.2f} s"
        assert largest_step(joined, near.start, near.stop) < 1.25 * smooth, f"click at {edge / 48_000:.2f} s"
