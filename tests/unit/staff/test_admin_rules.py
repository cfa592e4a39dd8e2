import pytest

from videoflix.errors import FieldErrors, NotFound
from videoflix.staff.videos import parse_new_video, part_size_for, safe_filename
from videoflix.domain.video_ids import parse_video_id

VALID = {"title": "Film", "description": "", "category": "Drama", "filename": "film.mp4", "size": 1000,
         "content_type": "video/mp4"}


def problems(**changes):
    with pytest.raises(FieldErrors) as caught:
        parse_new_video({**VALID, **changes}, max_upload_bytes=10_000)
    return caught.value.fields


def test_valid_request_is_parsed():
    parsed = parse_new_video({**VALID, "title": "  Film  ", "extra": 1}, max_upload_bytes=10_000)
    assert parsed.title == "Film" and parsed.size == 1000


@pytest.mark.parametrize("changes, field", [
    ({"content_type": "image/png"}, "content_type"),
    ({"content_type": "application/x-mpegurl"}, "content_type"),
    ({"size": 0}, "size"),
    ({"size": -5}, "size"),
    ({"size": 10_001}, "size"),
    ({"size": "100"}, "size"),
    ({"size": True}, "size"),
    ({"title": "   "}, "title"),
    ({"category": ""}, "category"),
    ({"title": 5}, "title"),
    ({"title": "x" * 201}, "title"),
])
def test_invalid_fields(changes, field):
    assert field in problems(**changes)


def test_part_size_grows_to_stay_within_ten_thousand_parts():
    assert part_size_for(100, 5 * 2**20) == 5 * 2**20
    big = 200 * 2**30
    assert part_size_for(big, 5 * 2**20) * 10_000 >= big


def test_safe_filename():
    assert safe_filename("../../etc/My Film!.mp4", "video/mp4") == "My-Film-.mp4"
    assert safe_filename("clip", "video/webm") == "clip.webm"
    assert safe_filename("...", "video/quicktime") == "video.mov"


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1e3", "99999999999999999999", "", "1.5"])
def test_bad_video_ids_are_not_found(raw):
    with pytest.raises(NotFound):
        parse_video_id(raw)


def test_good_video_id():
    assert parse_video_id("42") == 42
