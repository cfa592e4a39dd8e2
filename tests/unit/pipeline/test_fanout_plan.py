"""The fan-out plan: when a film fans out, its jobs, and the plan surviving the database as JSON."""
from fractions import Fraction

import pytest

from videoflix.pipeline.probe import MediaProbe
from videoflix.settings import Settings
from videoflix.domain.chunk_messages import ChunkMessage, MalformedChunkMessage, parse_chunk_message
from videoflix.pipeline.fanout.chunking import AudioPart
from videoflix.pipeline.fanout.plan import FanoutPlan, make_plan, should_fan_out

PROBE = MediaProbe(format_name="mov", duration=130.0, width=1920, height=1080, video_stream_index=0,
                   audio_stream_index=1, rotation=90, sample_aspect_ratio=Fraction(4, 3),
                   frame_rate=Fraction(30000, 1001), video_codec="h264")


@pytest.mark.parametrize("minimum, duration, expected", [
    (120, 119.9, False), (120, 120.0, True), (120, 7200.0, True), (0, 7200.0, False)])
def test_fans_out_from_the_threshold_and_never_when_it_is_zero(minimum, duration, expected):
    assert should_fan_out(Settings(fanout_min_duration=minimum), duration) is expected


def test_plan_lists_a_job_per_chunk_and_one_for_the_audio_and_the_storyboard():
    plan = make_plan(Settings(fanout_chunk_seconds=30), "uploads-bucket", "uploads/7/film.mp4", PROBE,
                     "videos/7/thumbnail.jpg")
    assert len(plan.chunks) == 5 and plan.chunks[-1].frame_count is None  # 130 s: 4 x 30 s + 10 s
    assert plan.jobs() == [("video", 0), ("video", 1), ("video", 2), ("video", 3), ("video", 4), ("audio", 0),
                           ("storyboard", 0)]
    assert plan.rendition_names() == ["480p", "720p", "1080p", "audio"]
    assert plan.audio_kbps == 160 and plan.rate == Fraction(30000, 1001)


def test_plan_survives_json():
    plan = make_plan(Settings(), "b", "uploads/1/a.mkv", PROBE, None)
    import json

    assert FanoutPlan.from_json(json.loads(json.dumps(plan.to_json()))) == plan
    assert plan.ladder_settings.rate_control == "capped_crf"


def test_a_plan_stored_before_per_title_rates_keeps_its_fixed_bitrates():
    stored = make_plan(Settings(), "b", "uploads/1/a.mkv", PROBE, None).to_json()
    del stored["rate_control"]  # as runs queued before the change have it
    assert FanoutPlan.from_json(stored).ladder_settings.rate_control == "fixed"


def test_silent_film_has_no_audio_job():
    silent = MediaProbe(format_name="matroska", duration=200.0, width=640, height=360, video_stream_index=0)
    plan = make_plan(Settings(), "b", "k", silent, None)
    assert [kind for kind, _ in plan.jobs()] == ["video"] * 7 + ["storyboard"] and plan.audio_kbps is None
    assert plan.rendition_names() == ["480p"]


def test_chunk_messages_round_trip_and_garbage_is_refused():
    message = ChunkMessage(run_id=3, job_id=17, video_id=7)
    assert parse_chunk_message(message.to_body()) == message
    for body in ("", "[]", '{"run": 1, "job": 2}', '{"run": 1, "job": "2", "video": 3}',
                 '{"run": true, "job": 2, "video": 3}', '{"run": 0, "job": 2, "video": 3}'):
        with pytest.raises(MalformedChunkMessage):
            parse_chunk_message(body)


def test_a_long_film_gets_its_audio_in_parts_of_whole_segments_up_to_where_the_sound_ends():
    long = MediaProbe(format_name="mov", duration=7200.0, width=1920, height=1080, video_stream_index=0,
                      audio_stream_index=1, frame_rate=Fraction(25), video_codec="h264", audio_duration=7000.0)
    plan = make_plan(Settings(fanout_audio_part_seconds=300), "b", "k", long, None)
    assert len(plan.chunks) == 240
    # 7,000 s of sound in 6 s segments: 1,167 segments, 50 a part, so 24 parts, the last of 17.
    assert len(plan.audio_parts) == 24 and plan.audio_parts[-1] == AudioPart(23, 1150, None)
    assert all(part.first_segment == 50 * part.index for part in plan.audio_parts)
    assert [kind for kind, _ in plan.jobs()].count("audio") == 24 and len(plan.jobs()) == 240 + 24 + 1
    assert FanoutPlan.from_json(plan.to_json()).audio_parts == plan.audio_parts


def test_a_plan_stored_before_the_audio_was_split_encodes_it_as_one_part():
    stored = make_plan(Settings(), "b", "uploads/1/a.mkv", PROBE, None).to_json()
    del stored["audio_parts"]  # as runs queued before the change have it
    assert FanoutPlan.from_json(stored).audio_parts == (AudioPart(0, 0, None),)
