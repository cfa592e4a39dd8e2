"""A finished run's playlists, written from what its jobs recorded."""
from fractions import Fraction

import pytest

from videoflix.pipeline.probe import MediaProbe
from videoflix.settings import Settings
from videoflix.pipeline.fanout.plan import make_plan
from videoflix.pipeline.fanout.playlists import IncompleteRun, assemble_playlists, job_output
from videoflix.domain.hls import master_variants, segment_names

PROBE = MediaProbe(format_name="mov", duration=66.0, width=1280, height=720, video_stream_index=0,
                   audio_stream_index=1, frame_rate=Fraction(25), video_codec="h264")
PLAN = make_plan(Settings(fanout_chunk_seconds=30), "b", "uploads/1/a.mp4", PROBE, None)  # chunks 30, 30, 6 s


def video_output(first, count, last_seconds=6.0):
    def rendition(codecs):
        segments = [(f"r1_segment_{n:05d}.ts", 6.0 if n < first + count - 1 else last_seconds, 1000)
                    for n in range(first, first + count)]
        return codecs, segments
    return job_output({"480p": rendition("avc1.64001e"), "720p": rendition("avc1.64001f")})


AUDIO = job_output({"audio": ("mp4a.40.2", [(f"r1_segment_{n:05d}.ts", 6.0, 100) for n in range(11)])})
OUTPUTS = [("audio", 0, AUDIO), ("video", 1, video_output(5, 5)), ("video", 0, video_output(0, 5)),
           ("video", 2, video_output(10, 1))]


def test_renditions_join_the_chunks_in_order_and_the_master_comes_last():
    files, renditions = assemble_playlists(PLAN, OUTPUTS)
    assert list(files) == ["480p/index.m3u8", "720p/index.m3u8", "audio/index.m3u8", "master.m3u8"]
    assert renditions == ["480p", "720p", "audio"]
    assert segment_names(files["720p/index.m3u8"]) == [f"r1_segment_{n:05d}.ts" for n in range(11)]
    master = files["master.m3u8"]
    assert master_variants(master) == ["480p", "720p"]
    assert 'URI="audio/index.m3u8"' in master and 'CODECS="avc1.64001f,mp4a.40.2"' in master


@pytest.mark.parametrize("outputs, message", [
    (OUTPUTS[:-1], "chunks"),
    ([o for o in OUTPUTS if o[0] != "audio"], "audio"),
    ([*OUTPUTS[:-1], ("video", 2, job_output({"480p": ("avc1", [("x.ts", 6.0, 1)])}))], "720p"),
    ([*OUTPUTS[:-1], ("video", 2, job_output({"480p": ("a", [("x.ts", 6.0, 1), ("y.ts", 1.0, 1)]),
                                              "720p": ("a", [("x.ts", 6.0, 1)])}))], "numbers"),
])
def test_output_that_cannot_make_a_film_is_refused(outputs, message):
    with pytest.raises(IncompleteRun, match=message):
        assemble_playlists(PLAN, outputs)
