"""The Lambda layer and the transcoder image carry runtime code only: no dev stack, CLI or test clips.

What ships is read from the build files themselves: the folders layers/Makefile copies into
the layer (`make -n`) and those the transcoder's Dockerfile copies. Everything that helps
around the runtime lives in `videoflix_tools`, which neither ever copies.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from videoflix_tools.functions import FUNCTIONS_DIR, PROJECT_ROOT
from videoflix_tools.testing.build_files import dockerfile_instructions, make_dry_run

LAYERS = PROJECT_ROOT / "layers"
HELPERS_PACKAGE = "videoflix_tools"
# Libraries of the dev stack and the tests: a shipped module must not import them.
DEV_ONLY_LIBRARIES = {"moto", "werkzeug", "pytest", "requests"}
DEV_ONLY_FOLDERS = {"dev", "cli", "testing"}


def layer_folders(tmp_path: Path) -> list[Path]:
    """The source folders `make build-VideoflixLayer` copies (`cp -R SOURCE DEST` in layers/)."""
    commands = make_dry_run(LAYERS, "build-VideoflixLayer", ARTIFACTS_DIR=str(tmp_path))
    return [LAYERS / c[2] for c in commands if c[:2] == ["cp", "-R"]]


def image_folders() -> list[Path]:
    """The folders of the repository the transcoder image copies (context: the repository root)."""
    copies = [i.words()[:-1] for i in dockerfile_instructions(FUNCTIONS_DIR / "transcoder" / "Dockerfile")
              if i.keyword == "COPY"]
    return [PROJECT_ROOT / source for sources in copies for source in sources if (PROJECT_ROOT / source).is_dir()]


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def imported_names(path: Path) -> set[str]:
    """Every module an import statement of the file names, at any depth (lazy imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> list[Path]:
    folders = [*layer_folders(tmp_path_factory.mktemp("layer")), *image_folders()]
    assert folders, "found nothing the layer or the image copies"
    return sorted({module for folder in folders for module in modules(folder)})


def test_the_layer_is_the_videoflix_package_alone(tmp_path):
    assert layer_folders(tmp_path) == [LAYERS / "videoflix"]
    assert image_folders() == [LAYERS / "videoflix"]


def test_no_dev_stack_cli_or_test_code_ships(shipped):
    package = LAYERS / "videoflix"
    folders = {part for module in shipped for part in module.relative_to(package).parts[:-1]}
    assert folders & DEV_ONLY_FOLDERS == set()
    # The test clip generator draws FFmpeg's test sources (testsrc2); the runtime never does.
    assert [m for m in shipped if "testsrc" in m.read_text()] == []


def test_shipped_code_imports_nothing_of_the_helpers_or_the_dev_libraries(shipped):
    offending = {}
    for module in shipped:
        roots = {name.split(".")[0] for name in imported_names(module)}
        bad = roots & ({HELPERS_PACKAGE} | DEV_ONLY_LIBRARIES)
        if bad:
            offending[str(module.relative_to(PROJECT_ROOT))] = sorted(bad)
    assert offending == {}


def test_the_check_sees_an_import_of_the_helpers(tmp_path):
    module = tmp_path / "sample.py"
    module.write_text("def later():\n    from videoflix_tools.clips import generate_test_clip\n")
    assert imported_names(module) == {"videoflix_tools.clips"}
