"""Checks a CloudWatch embedded metric format (EMF) document against the specification's rules,
and picks EMF lines out of captured output. Test-only (never shipped)."""
from __future__ import annotations

import json
from typing import Any

UNITS = {"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
         "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
         "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
         "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
         "Count/Second", "None"}


def emf_problems(document: Any) -> list[str]:
    """What makes `document` an invalid EMF document; [] when CloudWatch would extract its metrics."""
    if not isinstance(document, dict):
        return ["the root is not a JSON object"]
    meta = document.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws object"]
    problems = []
    if not isinstance(meta.get("Timestamp"), int) or meta["Timestamp"] <= 0:
        problems.append("_aws.Timestamp must be a positive whole number of milliseconds")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return problems + ["_aws.CloudWatchMetrics must be a non-empty array"]
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
            problems.append("Namespace must be a string of 1 to 255 characters")
        dimension_sets = directive.get("Dimensions")
        if not isinstance(dimension_sets, list):
            problems.append("Dimensions must be an array of dimension sets")
            dimension_sets = []
        for dimension_set in dimension_sets:
            if not isinstance(dimension_set, list) or len(dimension_set) > 30:
                problems.append("a dimension set must be an array of at most 30 names")
                continue
            for name in dimension_set:
                if not isinstance(document.get(name), str):
                    problems.append(f"dimension {name!r} must be a string member of the root")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            problems.append("Metrics must be an array of 1 to 100 metric definitions")
            metrics = []
        for metric in metrics:
            name = metric.get("Name") if isinstance(metric, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 255:
                problems.append("a metric needs a Name of 1 to 255 characters")
                continue
            if "Unit" in metric and metric["Unit"] not in UNITS:
                problems.append(f"metric {name}: unknown unit {metric['Unit']!r}")
            value = document.get(name)
            values = value if isinstance(value, list) else [value]
            if not values or len(values) > 100 or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                problems.append(f"metric {name}: the root must hold its number(s)")
    return problems


def emf_lines(output: str) -> list[dict[str, Any]]:
    """The EMF documents among the lines of `output` (each checked: an invalid one fails the caller)."""
    found = []
    for line in output.splitlines():
        line = line.strip()
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        document = json.loads(line)
        problems = emf_problems(document)
        assert not problems, f"{problems}: {line}"
        found.append(document)
    return found


def metric_values(output: str, name: str) -> list[tuple[float, dict[str, str]]]:
    """(value, dimensions) of each EMF data point of metric `name` in `output`."""
    points = []
    for document in emf_lines(output):
        for directive in document["_aws"]["CloudWatchMetrics"]:
            if any(metric["Name"] == name for metric in directive["Metrics"]):
                dimensions = {d: document[d] for dimension_set in directive["Dimensions"] for d in dimension_set}
                points.append((document[name], dimensions))
    return points
