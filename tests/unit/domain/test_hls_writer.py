"""Playlists written from recorded segments, and reading what FFmpeg wrote."""
from fractions import Fraction

import pytest

from videoflix.domain.hls import (AudioRendition, Segment, VideoVariant, bandwidth, master_playlist,
                                    master_variants, media_playlist, parse_media_playlist, segment_names,
                                    variant_codecs)

FFMPEG_RENDITION = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:5
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:6.006000,
r3_segment_00005.ts
#EXTINF:2.502500,
r3_segment_00006.ts
#EXT-X-ENDLIST
"""
FFMPEG_MASTER = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-STREAM-INF:BANDWIDTH=1600000,AVERAGE-BANDWIDTH=1500000,RESOLUTION=854x480,CODECS="avc1.64001e"
480p/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=3300000,RESOLUTION=1280x720,CODECS="avc1.64001f"
720p/index.m3u8
"""


def test_reads_the_segments_and_codecs_ffmpeg_wrote():
    assert parse_media_playlist(FFMPEG_RENDITION) == [("r3_segment_00005.ts", 6.006), ("r3_segment_00006.ts", 2.5025)]
    assert variant_codecs(FFMPEG_MASTER) == {"480p": "avc1.64001e", "720p": "avc1.64001f"}
    with pytest.raises(ValueError, match="EXTINF"):
        parse_media_playlist("#EXTM3U\nsegment_00000.ts\n")


def test_rendition_playlist_from_recorded_durations():
    text = media_playlist([Segment("a.ts", 6.006, 1000), Segment("b.ts", 6.006, 1000), Segment("c.ts", 1.2, 10)])
    assert text == ("#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n"
                    "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n"
                    "#EXTINF:6.006000,\na.ts\n#EXTINF:6.006000,\nb.ts\n#EXTINF:1.200000,\nc.ts\n#EXT-X-ENDLIST\n")
    assert segment_names(text) == ["a.ts", "b.ts", "c.ts"]
    with pytest.raises(ValueError):
        media_playlist([])


def test_bandwidth_is_the_peak_segment_rate_and_the_average():
    assert bandwidth([Segment("a.ts", 6.0, 750_000), Segment("b.ts", 2.0, 500_000)]) == (2_000_000, 1_250_000)
    assert bandwidth([]) == (0, 0)


def variant(name, width, height, size):
    return VideoVariant(name, width, height, Fraction(25), "avc1.64001f",
                        (Segment("s0.ts", 6.0, size), Segment("s1.ts", 6.0, size)))


def test_master_names_the_separate_audio_in_every_variant():
    audio = AudioRendition("mp4a.40.2", (Segment("a0.ts", 6.0, 96_000), Segment("a1.ts", 6.0, 96_000)))
    text = master_playlist([variant("480p", 854, 480, 750_000), variant("720p", 1280, 720, 1_500_000)], audio)
    assert text.splitlines() == [
        "#EXTM3U", "#EXT-X-VERSION:6", "#EXT-X-INDEPENDENT-SEGMENTS",
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",'
        'URI="audio/index.m3u8"',
        "",
        '#EXT-X-STREAM-INF:BANDWIDTH=1128000,AVERAGE-BANDWIDTH=1128000,RESOLUTION=854x480,'
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=25.000,AUDIO="audio"',
        "480p/index.m3u8",
        "",
        '#EXT-X-STREAM-INF:BANDWIDTH=2128000,AVERAGE-BANDWIDTH=2128000,RESOLUTION=1280x720,'
        'CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=25.000,AUDIO="audio"',
        "720p/index.m3u8"]
    assert master_variants(text) == ["480p", "720p"]


def test_master_without_audio_has_no_audio_group():
    text = master_playlist([variant("480p", 360, 640, 100_000)], None)
    assert "EXT-X-MEDIA" not in text and "AUDIO=" not in text and 'CODECS="avc1.64001f"' in text
