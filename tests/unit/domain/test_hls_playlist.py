from videoflix.domain.hls import (is_valid_segment_name, master_variants, rewrite_master,
                                       rewrite_playlist, segment_names)

RENDITION = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:6
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:6.000000,
segment_00000.ts
#EXTINF:2.500000,
segment_00001.ts
#EXT-X-ENDLIST
"""

MASTER = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=1610000,RESOLUTION=854x480,CODECS="avc1.64001e,mp4a.40.2"
480p/index.m3u8

#EXT-X-STREAM-INF:BANDWIDTH=3300000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"
720p/index.m3u8
"""


def test_segment_names_in_order():
    assert segment_names(RENDITION) == ["segment_00000.ts", "segment_00001.ts"]


def test_rewrite_replaces_only_uris_and_keeps_tags():
    rewritten = rewrite_playlist(RENDITION, lambda name: f"https://s3.example/{name}?X-Amz-Signature=abc")
    lines = rewritten.splitlines()
    assert "https://s3.example/segment_00000.ts?X-Amz-Signature=abc" in lines
    assert "https://s3.example/segment_00001.ts?X-Amz-Signature=abc" in lines
    assert [l for l in lines if l.startswith("#")] == [l for l in RENDITION.splitlines() if l.startswith("#")]
    assert "segment_00000.ts" not in lines


def test_rewrite_master_points_variants_at_api_routes():
    rewritten = rewrite_master(MASTER, lambda rung: f"http://api/api/video/7/{rung}/index.m3u8")
    assert "http://api/api/video/7/480p/index.m3u8" in rewritten.splitlines()
    assert "http://api/api/video/7/720p/index.m3u8" in rewritten.splitlines()
    assert 'RESOLUTION=854x480' in rewritten


def test_master_variants():
    assert master_variants(MASTER) == ["480p", "720p"]


def test_segment_name_validation():
    assert is_valid_segment_name("segment_00001.ts")
    for bad in ["../secret.ts", "a/b.ts", "%2e%2e.ts", "/etc/passwd", "seg\x00.ts", "index.m3u8", ".ts",
                "segment_00001.ts/", "segment 1.ts"]:
        assert not is_valid_segment_name(bad), bad


FANNED_OUT_MASTER = """#EXTM3U
#EXT-X-VERSION:6
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio/index.m3u8"

#EXT-X-STREAM-INF:BANDWIDTH=1610000,RESOLUTION=854x480,CODECS="avc1.64001e,mp4a.40.2",AUDIO="audio"
480p/index.m3u8
"""


def test_rewrite_master_also_points_the_audio_rendition_at_its_api_route():
    rewritten = rewrite_master(FANNED_OUT_MASTER, lambda rung: f"http://api/api/video/7/{rung}/index.m3u8")
    lines = rewritten.splitlines()
    assert lines[3] == ('#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="Audio",DEFAULT=YES,AUTOSELECT=YES,'
                        'CHANNELS="2",URI="http://api/api/video/7/audio/index.m3u8"')
    assert "http://api/api/video/7/480p/index.m3u8" in lines
    assert master_variants(FANNED_OUT_MASTER) == ["480p"]
