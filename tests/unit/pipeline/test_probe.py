"""What the probe lets through to FFmpeg: the container allow-list and the display size."""
from fractions import Fraction

import pytest

from videoflix.pipeline.probe import MATROSKA, MOV, MediaProbe, MediaRejected, probe_media, sniff_container

HLS_PLAYLIST = b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n"
CONCAT_SCRIPT = b"ffconcat version 1.0\nfile '/etc/passwd'\nfile 'http://169.254.169.254/latest/meta-data/'\n"


@pytest.mark.parametrize("head, expected", [
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", MOV),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00", MOV),
    (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", MOV),
    (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", MATROSKA),
    (HLS_PLAYLIST, None),
    (CONCAT_SCRIPT, None),
    (b"\x00\x00\x00\x02ftypisom", None),  # impossible box size
    (b"GIF89a", None),
    (b"\x00\x00\x01\xba", None),  # MPEG program stream: not on the allow-list
    (b"", None),
])
def test_sniffing_allows_only_mp4_mov_and_matroska(head, expected):
    assert sniff_container(head) == expected


@pytest.mark.parametrize("content, described", [
    (b"this is not a video at all\n" * 50, "a text file"),
    (HLS_PLAYLIST, "an HLS playlist"),
    (b"\xef\xbb\xbf" + HLS_PLAYLIST, "an HLS playlist"),
    (CONCAT_SCRIPT, "an FFmpeg concat script"),
    (bytes(range(256)) * 4, "unknown or unsupported format"),
])
def test_disguised_files_are_rejected_with_a_reason_before_any_demuxer(tmp_path, content, described):
    path = tmp_path / "film.mp4"
    path.write_bytes(content)
    with pytest.raises(MediaRejected) as caught:
        probe_media(str(path), max_duration=3600)
    assert described in caught.value.reason
    assert "MP4, MOV, MKV or WebM" in caught.value.reason


def test_an_empty_file_is_rejected(tmp_path):
    path = tmp_path / "film.mp4"
    path.write_bytes(b"")
    with pytest.raises(MediaRejected, match="empty"):
        probe_media(str(path), max_duration=3600)


def test_a_truncated_mp4_is_rejected_as_unreadable(tmp_path):
    path = tmp_path / "film.mp4"
    path.write_bytes(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 64)
    with pytest.raises(MediaRejected) as caught:
        probe_media(str(path), max_duration=3600)
    assert "could not be read" in caught.value.reason and "upload it again" in caught.value.reason


@pytest.mark.parametrize("width, height, rotation, sar, display", [
    (1920, 1080, 0, Fraction(1), (1920, 1080)),
    (1920, 1080, 90, Fraction(1), (1080, 1920)),
    (1920, 1080, 180, Fraction(1), (1920, 1080)),
    (1920, 1080, 270, Fraction(1), (1080, 1920)),
    (720, 576, 0, Fraction(16, 15), (768, 576)),
    (720, 576, 90, Fraction(16, 15), (576, 768)),
])
def test_display_size_applies_pixel_shape_then_rotation(width, height, rotation, sar, display):
    probe = MediaProbe(format_name=MOV, duration=1.0, width=width, height=height, video_stream_index=0,
                       rotation=rotation, sample_aspect_ratio=sar)
    assert (probe.display_width, probe.display_height) == display
    assert not probe.has_audio
