"""db/video_transitions.py is the only module that writes a video's status, lease or progress."""
from __future__ import annotations

import ast
from pathlib import Path

import videoflix

PACKAGE = Path(videoflix.__file__).parent
LIFECYCLE = PACKAGE / "db" / "video_transitions.py"
GUARDED = {"status", "lease_expires_at", "progress"}


def _updates_videos(node: ast.expr) -> bool:
    """Whether a `.values(...)` call hangs off `update(Video)` / `insert(Video)`."""
    while isinstance(node, (ast.Call, ast.Attribute)):
        if isinstance(node, ast.Call):
            if (isinstance(node.func, ast.Name) and node.func.id in {"update", "insert"} and node.args
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == "Video"):
                return True
            node = node.func
        else:
            node = node.value
    return False


def writes(source: str) -> list[str]:
    """Each write of a guarded column in `source`: `.values(...)` on Video, `Video(...)`, `x.status = ...`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            names = {k.arg for k in node.keywords}
            is_values = isinstance(node.func, ast.Attribute) and node.func.attr == "values" and _updates_videos(node.func)
            is_row = isinstance(node.func, ast.Name) and node.func.id == "Video"
            if (is_values or is_row) and (names & GUARDED or None in names):
                found.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in GUARDED:
                    found.append(f"line {node.lineno}: {ast.unparse(target)} = ...")
    return found


def test_no_module_but_the_lifecycle_writes_status_lease_or_progress():
    offenders = {str(path.relative_to(PACKAGE)): found for path in sorted(PACKAGE.rglob("*.py"))
                 if path != LIFECYCLE and "migrations" not in path.parts
                 for found in [writes(path.read_text(encoding="utf-8"))] if found}
    assert offenders == {}


def test_the_scan_sees_each_kind_of_write():
    source = """
update(Video).where(Video.id == 1).values(status="ready")
session.execute(update(Video).where(x).values(lease_expires_at=None))
update(Video).values(**values)
Video(title="t", progress=0)
video.status = "failed"
update(FanoutJob).values(status="done")
update(Video).values(upload_id=None)
"""
    assert sorted(line.split(":")[0] for line in writes(source)) == ["line 2", "line 3", "line 4", "line 5", "line 6"]
    assert writes(LIFECYCLE.read_text(encoding="utf-8"))  # the writer itself is seen (and allowed)
