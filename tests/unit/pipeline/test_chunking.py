"""Chunk planning: whole segments of whole GOPs, counted in output frames."""
from fractions import Fraction

import pytest

from videoflix.pipeline.fanout.chunking import Chunk, plan_chunks, segment_duration, segment_frames
from videoflix.pipeline.ladder import LadderSettings

SETTINGS = LadderSettings()
NTSC = Fraction(30000, 1001)


def test_segments_are_three_gops_of_the_output_rate():
    assert segment_frames(Fraction(25), SETTINGS) == 150 and segment_duration(Fraction(25), SETTINGS) == 6
    assert segment_frames(NTSC, SETTINGS) == 180 and segment_duration(NTSC, SETTINGS) == Fraction(6006, 1000)


def test_two_minutes_in_30_s_chunks():
    chunks = plan_chunks(120.0, Fraction(25), 30, SETTINGS)
    assert chunks == [Chunk(0, 0, 750, 0, 5), Chunk(1, 750, 750, 5, 5), Chunk(2, 1500, 750, 10, 5),
                      Chunk(3, 2250, None, 15, 5)]
    assert [c.start(Fraction(25)) for c in chunks] == [0, 30, 60, 90]


def test_chunk_length_is_rounded_down_to_whole_segments():
    assert [c.frame_count for c in plan_chunks(60.0, Fraction(30), 20, SETTINGS)][:2] == [540, 540]  # 18 s
    assert plan_chunks(60.0, Fraction(30), 7, SETTINGS)[1] == Chunk(1, 180, 180, 1, 1)


def test_a_tail_shorter_than_a_segment_joins_the_last_chunk():
    chunks = plan_chunks(64.0, Fraction(25), 30, SETTINGS)  # 30 + 30 + 4 s
    assert [(c.first_frame, c.frame_count, c.segment_count) for c in chunks] == [(0, 750, 5), (750, None, 6)]
    longer = plan_chunks(67.0, Fraction(25), 30, SETTINGS)  # 30 + 30 + 7 s: the tail keeps its own worker
    assert [(c.first_frame, c.frame_count, c.segment_count) for c in longer] == [
        (0, 750, 5), (750, 750, 5), (1500, None, 2)]


def test_ntsc_chunks_start_on_exact_frames_not_rounded_seconds():
    chunks = plan_chunks(100.0, NTSC, 30, SETTINGS)
    assert chunks[1].first_frame == 900 and chunks[1].start(NTSC) == Fraction(30030, 1000)
    assert chunks[-1].frame_count is None
    assert sum(c.segment_count for c in chunks) == 17  # ceil(2998 frames / 180)


@pytest.mark.parametrize("duration", [1.0, 5.9, 29.0])
def test_a_short_film_is_one_chunk_to_its_end(duration):
    [chunk] = plan_chunks(duration, Fraction(25), 30, SETTINGS)
    assert (chunk.first_frame, chunk.frame_count, chunk.first_segment) == (0, None, 0)
    assert chunk.seconds(Fraction(25), round(duration * 25)) == Fraction(round(duration * 25), 25)
