"""The declared size of an upload against what arrived and what is allowed: the pure rule."""
import pytest

from videoflix.domain.upload_size import upload_size_refusal

LIMIT = 10 * 1024**3


def test_exactly_the_declared_size_within_the_limit_is_accepted():
    assert upload_size_refusal(actual=1000, declared=1000, max_bytes=LIMIT) is None


@pytest.mark.parametrize("actual", [78_000, 999, 1001, 0])
def test_any_other_size_than_declared_is_refused_with_both_sizes(actual):
    reason = upload_size_refusal(actual=actual, declared=1000, max_bytes=LIMIT)
    assert reason is not None and f"{actual} bytes" in reason and "1000 bytes were declared" in reason
    assert "upload the film again" in reason.lower()


def test_more_than_the_limit_is_refused_naming_the_setting_even_if_declared():
    reason = upload_size_refusal(actual=2000, declared=2000, max_bytes=1500)
    assert reason is not None and "MAX_UPLOAD_BYTES" in reason and "1500" in reason
