"""A long film's AV1 ladder in chunks (pipeline/av1_chunks.py): the plan, the chunk command and the joined
playlists, pure."""
import json
from fractions import Fraction

import pytest

from videoflix.domain.hls import Segment, VideoVariant, join_av1_variants, map_uris, parse_media_playlist
from videoflix.domain.transcode_messages import Av1Job, av1_message, parse_av1_job
from videoflix.pipeline.av1_chunks import (Av1ChunkPlan, IncompleteAv1, assemble, build_av1_chunk_command,
                                          chunk_threshold, make_plan)
from videoflix.pipeline.probe import MediaProbe
from videoflix.settings import Settings

PROBE = MediaProbe(format_name="mov", duration=7200.0, width=1920, height=1080, video_stream_index=0,
                   audio_stream_index=1, frame_rate=Fraction(30000, 1001), video_codec="h264")


def test_the_threshold_is_what_one_job_can_encode_unless_set():
    assert chunk_threshold(Settings(transcode_time_budget=840)) == pytest.approx(525)
    assert chunk_threshold(Settings(av1_chunk_min_duration=3)) == 3


def test_a_two_hour_film_is_cut_into_whole_segments_that_cover_it_without_gap():
    plan = make_plan(Settings(av1_chunk_seconds=125), PROBE, (130_000, 128_000))
    per_segment = 180  # 6.006 s at 30000/1001
    assert plan.chunks[0].frame_count == 20 * per_segment  # 125 s rounded down to 20 segments
    for before, after in zip(plan.chunks, plan.chunks[1:]):
        assert after.first_frame == before.first_frame + before.frame_count  # no gap, no overlap
        assert after.first_segment == before.first_segment + before.segment_count
        assert before.first_frame % per_segment == 0 and after.first_frame % per_segment == 0
    last = plan.chunks[-1]
    assert last.frame_count is None and last.first_frame < plan.total_frames
    assert last.first_segment + last.segment_count == -(-plan.total_frames // per_segment)
    assert len(plan.chunks) == 60
    assert Av1ChunkPlan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


def test_a_chunk_seeks_to_its_start_and_numbers_its_segments_on():
    plan = make_plan(Settings(av1_chunk_seconds=120, av1_preset=12), PROBE, None)
    chunk = plan.chunks[1]
    command = build_av1_chunk_command("ffmpeg", "https://example/upload.mp4", plan, chunk, "/tmp/out")
    start = float(Fraction(chunk.first_frame) / Fraction(30000, 1001))

    def after(flag):
        return command[command.index(flag) + 1]
    assert float(after("-ss")) == pytest.approx(start) and after("-frames:v") == str(chunk.frame_count)
    assert after("-start_number") == str(chunk.first_segment) == "20"
    assert float(after("-output_ts_offset")) == pytest.approx(11.4 + start)  # the fan-out's TS timeline
    assert after("-hls_segment_type") == "fmp4" and after("-hls_segment_options") == "movflags=+frag_discont"
    assert "-c:a" not in command and after("-var_stream_map") == "v:0,name:av1-480p v:1,name:av1-720p v:2,name:av1-1080p"
    assert after("-preset:v:2") == "12" and "libsvtav1" in command
    assert after("-hls_fmp4_init_filename") == "init_c1_%v.mp4"  # FFmpeg refuses a name without %v for 3 variants
    assert "-ss" not in build_av1_chunk_command("ffmpeg", "s.mp4", plan, plan.chunks[0], "/tmp/out")


def chunk(names, init="init_c0.mp4", digest="same", seconds=6.0):
    segments = [[name, seconds, 1000] for name in names]
    return {"renditions": {"av1-480p": {"codecs": "av01.0.04M.08", "init": init, "init_sha256": digest,
                                        "segments": segments}}}


SMALL = MediaProbe(format_name="mov", duration=14.0, width=640, height=360, video_stream_index=0,
                   audio_stream_index=1, frame_rate=Fraction(25))


def test_playlists_concatenate_the_chunks_in_order_under_one_init_when_the_inits_are_alike():
    plan = make_plan(Settings(av1_chunk_seconds=6), SMALL, (130_000, 128_000))
    assert len(plan.chunks) == 2
    outputs = [(0, chunk(["segment_00000.m4s"])),
               (1, chunk(["segment_00001.m4s", "segment_00002.m4s"], "init_c1.mp4", seconds=1.0))]
    variants, playlists = assemble(plan, outputs)
    playlist = playlists["av1-480p/index.m3u8"]
    assert parse_media_playlist(playlist) == [("segment_00000.m4s", 6.0), ("segment_00001.m4s", 1.0),
                                              ("segment_00002.m4s", 1.0)]
    assert map_uris(playlist) == ["init_c0.mp4"]
    assert playlist.index("#EXT-X-MAP") < playlist.index("segment_00000.m4s")
    assert [v.name for v in variants] == ["av1-480p"] and variants[0].codecs == "av01.0.04M.08"


def test_chunks_with_different_inits_get_a_map_before_each_of_their_runs():
    plan = make_plan(Settings(av1_chunk_seconds=6), SMALL, None)
    outputs = [(0, chunk(["segment_00000.m4s"], "init_c0.mp4", "a")),
               (1, chunk(["segment_00001.m4s", "segment_00002.m4s"], "init_c1.mp4", "b"))]
    playlist = assemble(plan, outputs)[1]["av1-480p/index.m3u8"]
    assert map_uris(playlist) == ["init_c0.mp4", "init_c1.mp4"]
    lines = playlist.splitlines()
    assert lines.index('#EXT-X-MAP:URI="init_c1.mp4"') == lines.index("segment_00000.m4s") + 1


@pytest.mark.parametrize("outputs", [[(0, chunk(["segment_00000.m4s"]))],
                                     [(0, chunk(["segment_00000.m4s"])), (1, None)],
                                     [(0, chunk(["segment_00000.m4s"])), (1, {"renditions": {}})]])
def test_output_that_cannot_make_the_ladder_is_refused(outputs):
    with pytest.raises(IncompleteAv1):
        assemble(make_plan(Settings(av1_chunk_seconds=6), SMALL, None), outputs)


def test_chunked_variants_name_the_films_audio_rendition_and_add_its_rates():
    master = ('#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,'
              'URI="audio/index.m3u8"\n\n#EXT-X-STREAM-INF:BANDWIDTH=900000,CODECS="avc1.64001e,mp4a.40.2",'
              'AUDIO="audio"\n480p/index.m3u8\n')
    variant = VideoVariant("av1-480p", 640, 360, Fraction(25), "av01.0.04M.08",
                           (Segment("a.m4s", 6.0, 75_000), Segment("b.m4s", 2.0, 5_000)))
    joined = join_av1_variants(master, [variant], "mp4a.40.2", (130_000, 128_000))
    line = joined.splitlines()[-2]
    assert 'AUDIO="audio"' in line and 'CODECS="av01.0.04M.08,mp4a.40.2"' in line
    assert "BANDWIDTH=230000" in line and "AVERAGE-BANDWIDTH=208000" in line  # 100/80 kb/s video + audio
    assert joined.startswith(master.rstrip("\n"))


def test_a_chunk_job_message_round_trips_and_a_bad_chunk_is_refused():
    assert parse_av1_job(av1_message(7, 3)) == Av1Job(7, 3)
    assert parse_av1_job(av1_message(7)) == Av1Job(7, None)
    for bad in ('{"kind": "av1", "video_id": 7, "chunk": -1}', '{"kind": "av1", "video_id": 7, "chunk": true}'):
        with pytest.raises(ValueError):
            parse_av1_job(bad)
