"""Every test file under tests/integration carries the `integration` marker (`pytestmark`), so
`-m "not integration"` is the fast suite. Read from the files themselves: no child collection."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def marks_integration(source: str) -> bool:
    """Whether the module sets `pytestmark` to the integration marker (alone or in a list)."""
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in targets) and node.value is not None:
            if any(isinstance(n, ast.Attribute) and n.attr == "integration" for n in ast.walk(node.value)):
                return True
    return False


def test_every_integration_test_file_is_marked_integration():
    files = sorted((ROOT / "tests" / "integration").rglob("test_*.py"))
    assert len(files) > 30  # the suite, not nothing
    unmarked = [str(path.relative_to(ROOT)) for path in files if not marks_integration(path.read_text())]
    assert unmarked == [], f"add `pytestmark = pytest.mark.integration` to {unmarked}"


def test_the_check_tells_an_unmarked_file_from_a_marked_one():
    assert marks_integration("import pytest\npytestmark = pytest.mark.integration\ndef test_a():\n    pass\n")
    assert marks_integration("import pytest\npytestmark = [pytest.mark.integration, pytest.mark.slow]\n")
    assert not marks_integration("def test_b():\n    pass\n")
    assert not marks_integration("import pytest\npytestmark = pytest.mark.e2e\n")
    assert not marks_integration("def f():\n    pytestmark = pytest.mark.integration\n")
