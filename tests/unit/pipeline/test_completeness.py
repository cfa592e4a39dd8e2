"""Whether an encode covers the length its source announced: the pure rule, without FFmpeg."""
from fractions import Fraction

import pytest

from videoflix.pipeline.fanout.chunking import Chunk
from videoflix.pipeline.completeness import (OutputTooShort, check_encoded_duration, chunk_expected_seconds,
                                             duration_tolerance)
from videoflix.domain.hls import playlist_seconds
from videoflix.pipeline.probe import MediaProbe

PROBE = MediaProbe(format_name="mov", duration=3.0, width=640, height=360, video_stream_index=0,
                   audio_stream_index=1)


@pytest.mark.parametrize("expected, tolerance", [(0, 1.0), (3, 1.0), (50, 1.0), (60, 1.2), (7200, 144.0)])
def test_the_tolerance_is_one_second_or_two_percent_whichever_is_larger(expected, tolerance):
    assert duration_tolerance(expected) == pytest.approx(tolerance)


@pytest.mark.parametrize("expected, encoded", [(3.0, 3.0), (3.0, 2.01), (3.0, 3.4), (7200, 7057), (0.5, 0)])
def test_an_encode_within_the_tolerance_passes(expected, encoded):
    check_encoded_duration(expected, encoded, "the film")  # no error


@pytest.mark.parametrize("expected, encoded", [(3.0, 1.48), (3.0, 0.0), (7200, 7055), (6.0, 4.9)])
def test_an_encode_short_beyond_the_tolerance_is_refused_with_both_lengths(expected, encoded):
    with pytest.raises(OutputTooShort) as caught:
        check_encoded_duration(expected, encoded, "the film")
    reason = caught.value.reason
    assert f"{encoded:.1f} s" in reason and f"{expected:.1f} s" in reason and "the film" in reason
    assert "Upload the complete file again" in reason


def test_playlist_seconds_adds_the_segment_durations():
    text = "#EXTM3U\n#EXTINF:6.000000,\nsegment_00000.ts\n#EXTINF:1.480000,\nsegment_00001.ts\n#EXT-X-ENDLIST\n"
    assert playlist_seconds(text) == pytest.approx(7.48)


def test_the_expected_picture_ends_where_the_video_track_says_not_the_sound():
    picture_short = MediaProbe(format_name="mov", duration=20.0, width=320, height=240, video_stream_index=0,
                               audio_stream_index=1, video_duration=1.0, audio_duration=20.0)
    assert picture_short.picture_duration == 1.0 and picture_short.sound_duration == 20.0
    # A track the header says is longer than the film (edit lists) is cut to the film.
    longer = MediaProbe(format_name="mov", duration=3.0, width=320, height=240, video_stream_index=0,
                        video_duration=3.5)
    assert longer.picture_duration == 3.0 and longer.sound_duration is None
    assert PROBE.picture_duration == 3.0 and PROBE.sound_duration == 3.0  # no track lengths: the film's


def test_a_chunk_expects_its_frames_up_to_where_the_picture_ends():
    rate = Fraction(25)
    full = Chunk(index=1, first_frame=150, frame_count=150, first_segment=1, segment_count=1)
    last = Chunk(index=2, first_frame=300, frame_count=None, first_segment=2, segment_count=1)
    total = 400  # 16 s
    assert chunk_expected_seconds(full, rate, total, picture_end=16.0) == pytest.approx(6.0)
    assert chunk_expected_seconds(last, rate, total, picture_end=16.0) == pytest.approx(4.0)
    assert chunk_expected_seconds(full, rate, total, picture_end=9.0) == pytest.approx(3.0)
    assert chunk_expected_seconds(last, rate, total, picture_end=9.0) == 0.0
