"""Progress bars: formatting, and drawing on a terminal versus in a log."""
from __future__ import annotations

import io

from videoflix_tools.cli.progress import (MIB, ProgressLine, TransferProgress, bar, format_duration, format_size,
                                    format_transcode, format_transfer)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bar_is_clamped_and_proportional():
    assert bar(0, 10) == "[----------]"
    assert bar(0.55, 10) == "[#####-----]"
    assert bar(1, 10) == bar(1.7, 10) == "[##########]"
    assert bar(-1, 4) == "[----]"


def test_sizes_and_durations():
    assert format_size(0) == "0 B"
    assert format_size(1536) == "1.5 KiB"
    assert format_size(11 * MIB) == "11.0 MiB"
    assert format_size(3 * 1024**3) == "3.0 GiB"
    assert format_duration(None) == "-"
    assert format_duration(754.4) == "0:12:34"
    assert format_duration(3725) == "1:02:05"


def test_transfer_line_with_rate_and_eta():
    assert format_transfer("film.mp4", 5 * MIB, 10 * MIB) == \
        "film.mp4 [############------------]  50%  5.0 MiB/10.0 MiB"
    assert format_transfer("film.mp4", 5 * MIB, 10 * MIB, rate=MIB).endswith("  1.0 MiB/s  ETA 0:00:05")
    assert "ETA" not in format_transfer("film.mp4", 10 * MIB, 10 * MIB, rate=MIB)


def test_transcode_line():
    assert format_transcode(3, "processing", 40) == "Transcoding video 3 [#########---------------]  40%  processing"


def test_a_log_gets_one_line_per_milestone():
    stream = io.StringIO()
    line = ProgressLine(stream, tty=False)
    for step in range(25):
        line.show(f"step {step}", step // 10)
    line.close()
    assert stream.getvalue() == "step 0\nstep 10\nstep 20\n"


def test_a_terminal_line_is_redrawn_in_place_at_most_ten_times_a_second():
    stream, clock = io.StringIO(), FakeClock()
    line = ProgressLine(stream, tty=True, clock=clock)
    line.show("a long first text", 0)
    line.show("skipped", 0)  # too soon
    clock.now = 0.2
    line.show("short", 0)
    line.show("forced", 0, force=True)
    line.close()
    assert stream.getvalue() == "\ra long first text\rshort            \rforced\n"


def test_transfer_progress_counts_bytes_from_several_parts_and_takes_back_retries():
    stream, clock = io.StringIO(), FakeClock()
    progress = TransferProgress("f.mp4", 100, done=40, line=ProgressLine(stream, tty=False), clock=clock)
    progress.advance(30)
    progress.advance(-30)  # a part that is sent again
    clock.now = 2.0
    progress.advance(60)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert [line.split("]")[1].split()[0] for line in lines] == ["40%", "70%", "40%", "100%"]
    assert lines[-1].endswith("  30 B/s")  # 60 new bytes in 2 s; the resumed 40 do not count
