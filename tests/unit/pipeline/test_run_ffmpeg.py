"""The FFmpeg runner, driven by a small Python stand-in so no FFmpeg runs."""
import sys
import time

import pytest

from videoflix.pipeline.ffmpeg import FFmpegFailed, TimeBudgetExceeded, run_ffmpeg, run_ffmpeg_fed


def stand_in(script: str) -> list[str]:
    return [sys.executable, "-c", script]


PROGRESS_SCRIPT = """
import sys, time
for second in range(1, 5):
    print(f"out_time_us={second * 1_000_000}\\nprogress={'end' if second == 4 else 'continue'}", flush=True)
    time.sleep(0.05)
"""


def test_progress_is_reported_from_the_progress_blocks():
    seen = []
    run_ffmpeg(stand_in(PROGRESS_SCRIPT), duration=4.0, time_budget=30, on_progress=seen.append,
               progress_interval=0)
    assert seen == [25, 50, 75, 100]


def test_progress_reports_are_throttled_but_the_end_always_arrives():
    seen = []
    run_ffmpeg(stand_in(PROGRESS_SCRIPT), duration=4.0, time_budget=30, on_progress=seen.append,
               progress_interval=60)
    assert seen == [100]


def test_a_failing_progress_callback_does_not_stop_the_run(tmp_path):
    output = tmp_path / "out.mp4"
    # Writes its output only after the last progress block, as FFmpeg finishes its file at the end.
    script = PROGRESS_SCRIPT + f"open({str(output)!r}, 'w').write('encoded')\n"
    called = []

    def broken(percent):
        called.append(percent)
        raise ConnectionError("database away")

    run_ffmpeg(stand_in(script), duration=4.0, time_budget=30, on_progress=broken, progress_interval=0)
    assert called == [25, 50, 75, 100]  # every report tried, none stopped the ones after it
    assert output.read_text() == "encoded"  # the run went on to the end and made its output


def test_non_zero_exit_raises_with_the_end_of_stderr():
    script = "import sys\nfor i in range(100): print(f'line {i}', file=sys.stderr)\nsys.exit(1)"
    with pytest.raises(FFmpegFailed) as caught:
        run_ffmpeg(stand_in(script), duration=1.0, time_budget=30, on_progress=None)
    assert caught.value.returncode == 1
    assert "line 99" in str(caught.value) and "line 70" in str(caught.value)
    assert "line 69" not in str(caught.value)  # only the tail is kept


def test_a_run_over_budget_is_killed():
    started = time.monotonic()
    with pytest.raises(TimeBudgetExceeded):
        run_ffmpeg(stand_in("import time\ntime.sleep(30)"), duration=1.0, time_budget=0.5, on_progress=None)
    assert time.monotonic() - started < 5


def test_arguments_are_never_interpreted_by_a_shell(tmp_path):
    marker = tmp_path / "touched"
    script = "import sys; print(sys.argv[1:], file=sys.stderr); sys.exit(3)"
    with pytest.raises(FFmpegFailed) as caught:
        run_ffmpeg([*stand_in(script), f"; touch {marker}", "$(id)"], duration=1.0, time_budget=30, on_progress=None)
    assert "$(id)" in caught.value.stderr_tail and not marker.exists()


COUNT_STDIN = "import sys; data = sys.stdin.buffer.read(); open(sys.argv[1], 'w').write(str(len(data)))"


def test_a_fed_run_gets_every_chunk_on_its_standard_input(tmp_path):
    counted = tmp_path / "count"
    run_ffmpeg_fed([*stand_in(COUNT_STDIN), str(counted)], (b"x" * 100_000 for _ in range(30)), time_budget=30)
    assert counted.read_text() == "3000000"


def test_a_fed_run_that_fails_raises_with_its_stderr_even_when_it_stops_reading():
    script = "import sys; print('Invalid data found', file=sys.stderr); sys.exit(1)"
    with pytest.raises(FFmpegFailed, match="Invalid data found"):
        run_ffmpeg_fed(stand_in(script), (b"x" * 1_000_000 for _ in range(50)), time_budget=30)


def test_a_failing_producer_kills_the_run_and_its_error_goes_up():
    def chunks():
        yield b"tile"
        raise ConnectionError("source unreachable")

    started = time.monotonic()
    with pytest.raises(ConnectionError, match="source unreachable"):
        run_ffmpeg_fed(stand_in("import time\ntime.sleep(30)"), chunks(), time_budget=30)
    assert time.monotonic() - started < 5


def test_a_fed_run_over_budget_stops_even_while_the_producer_is_slow():
    def slow_chunks():
        for _ in range(100):
            time.sleep(0.1)
            yield b"tile"

    started = time.monotonic()
    with pytest.raises(TimeBudgetExceeded):
        run_ffmpeg_fed(stand_in("import sys; sys.stdin.buffer.read()"), slow_chunks(), time_budget=0.5)
    assert time.monotonic() - started < 5
