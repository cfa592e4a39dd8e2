"""Every test under tests/integration carries the `integration` marker, so `-m "not integration"` is the fast suite."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Collects tests/integration in a child pytest (its modules and conftests stay out of this run) and
# prints each collected item's node id and whether it carries the marker.
COLLECT = """
import json, sys
import pytest

class Probe:
    items = []
    def pytest_collection_modifyitems(self, items):
        Probe.items = [[item.nodeid, item.get_closest_marker("integration") is not None] for item in items]

code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *sys.argv[1:]],
                   plugins=[Probe()])
print("ITEMS=" + json.dumps({"code": int(code), "items": Probe.items}))
"""


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> tuple[int, dict[str, bool]]:
    """One child collection of tests/integration and of a planted folder: a marked and an unmarked file."""
    planted = tmp_path_factory.mktemp("planted")
    (planted / "test_marked.py").write_text("import pytest\npytestmark = pytest.mark.integration\n"
                                            "def test_a():\n    pass\n")
    (planted / "test_unmarked.py").write_text("def test_b():\n    pass\n")
    done = subprocess.run([sys.executable, "-c", COLLECT, str(ROOT / "tests" / "integration"), str(planted)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("ITEMS=")]
    assert lines, done.stdout + done.stderr
    answer = json.loads(lines[0].removeprefix("ITEMS="))
    return answer["code"], {nodeid: marked for nodeid, marked in answer["items"]}


def files(items: dict[str, bool], marked: bool) -> set[str]:
    return {nodeid.split("::")[0] for nodeid, is_marked in items.items() if is_marked == marked}


def test_every_integration_test_file_is_marked_integration(collection):
    code, items = collection
    assert code == 0, "the collection failed"
    suite = {nodeid: marked for nodeid, marked in items.items() if nodeid.startswith("tests/integration/")}
    assert len(files(suite, True)) > 30  # the child saw the suite, not nothing
    unmarked = sorted(files(suite, False))
    assert unmarked == [], f"add `pytestmark = pytest.mark.integration` to {unmarked}"


def test_the_check_tells_an_unmarked_file_from_a_marked_one(collection):
    _, items = collection
    planted = {nodeid.rsplit("/", 1)[-1]: marked for nodeid, marked in items.items()
               if not nodeid.startswith("tests/")}
    assert planted == {"test_marked.py::test_a": True, "test_unmarked.py::test_b": False}
