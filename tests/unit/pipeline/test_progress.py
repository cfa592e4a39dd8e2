"""Reading FFmpeg's `-progress` blocks."""
from videoflix.pipeline.progress import ProgressReader

BLOCK = """frame=75
fps=34.30
stream_0_0_q=-1.0
bitrate=N/A
total_size=N/A
out_time_us={us}
out_time_ms={us}
out_time={clock}
dup_frames=0
drop_frames=0
speed=1.37x
progress={state}
"""


def feed(reader, text):
    return [p for p in (reader.feed(line) for line in text.splitlines(keepends=True)) if p is not None]


def test_each_block_answers_the_share_of_the_duration():
    reader = ProgressReader(duration=120.0)
    assert feed(reader, BLOCK.format(us=30_000_000, clock="00:00:30.000000", state="continue")) == [25]
    assert feed(reader, BLOCK.format(us=90_500_000, clock="00:01:30.500000", state="continue")) == [75]
    assert feed(reader, BLOCK.format(us=120_000_000, clock="00:02:00.000000", state="end")) == [100]


def test_not_yet_known_times_and_noise_are_ignored():
    reader = ProgressReader(duration=10.0)
    assert feed(reader, "out_time_us=N/A\nout_time=N/A\ngarbage line\nprogress=continue\n") == [0]
    assert feed(reader, "out_time=-00:00:00.040000\nprogress=continue\n") == [0]


def test_clock_alone_is_enough_and_time_never_goes_back():
    reader = ProgressReader(duration=200.0)
    assert feed(reader, "out_time=00:01:40.000000\nprogress=continue\n") == [50]
    assert feed(reader, "out_time_us=1000000\nprogress=continue\n") == [50]


def test_percent_is_clamped_and_unknown_duration_reads_zero():
    assert feed(ProgressReader(duration=2.0), "out_time_us=3000000\nprogress=continue\n") == [100]
    assert feed(ProgressReader(duration=0), "out_time_us=3000000\nprogress=continue\n") == [0]
