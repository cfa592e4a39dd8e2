"""Embedded metric format lines: the shape CloudWatch Logs extracts metrics from."""
from __future__ import annotations

import json

import pytest

from videoflix.observability import metrics
from videoflix.observability.logs import log_context
from videoflix_tools.testing.emf import emf_lines, emf_problems, metric_values


def test_a_document_follows_the_specification():
    document = metrics.metric_document({metrics.VIDEOS_READY: 1}, {"Path": "single"}, timestamp_ms=1_764_000_000_000)
    assert emf_problems(document) == []
    assert document == {
        "_aws": {"Timestamp": 1_764_000_000_000, "CloudWatchMetrics": [{
            "Namespace": "Videoflix", "Dimensions": [["Path"]],
            "Metrics": [{"Name": "VideosReady", "Unit": "Count"}]}]},
        "Path": "single", "VideosReady": 1}


def test_a_metric_without_dimensions_has_one_empty_set():
    document = metrics.metric_document({metrics.EXPIRED_LEASES: 0})
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [[]]
    assert emf_problems(document) == []


@pytest.mark.parametrize("broken, problem", [
    (lambda d: d.pop("_aws"), "no _aws"),
    (lambda d: d["_aws"].pop("Timestamp"), "Timestamp"),
    (lambda d: d["_aws"]["CloudWatchMetrics"][0].pop("Namespace"), "Namespace"),
    (lambda d: d.pop("Path"), "dimension 'Path'"),
    (lambda d: d.update(VideosReady="1"), "must hold its number"),
    (lambda d: d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0].update(Unit="Films"), "unknown unit"),
])
def test_the_validator_sees_each_broken_rule(broken, problem):
    document = metrics.metric_document({metrics.VIDEOS_READY: 1}, {"Path": "single"})
    broken(document)
    assert any(problem in p for p in emf_problems(document))


def test_emit_prints_one_line_with_the_context(capsys):
    with log_context(request_id="req-2", video_id=9):
        metrics.emit(metrics.TRANSCODE_SECONDS_PER_FILM_SECOND, 1.25, Path="single")
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    [document] = emf_lines(out)
    assert (document["request_id"], document["video_id"]) == ("req-2", 9)
    assert metric_values(out, "TranscodeSecondsPerFilmSecond") == [(1.25, {"Path": "single"})]


def test_an_unknown_metric_is_refused_before_anything_is_printed():
    with pytest.raises(ValueError):
        metrics.metric_document({"Typo": 1})


def test_every_unit_is_one_cloudwatch_knows():
    from videoflix_tools.testing.emf import UNITS

    assert set(metrics.UNITS.values()) <= UNITS
    json.dumps(metrics.UNITS)
