"""Lists in the docs that name parts of the code stay in step with the code.

- `docs/fanout.md`, section "Modules": every module of `layers/videoflix/pipeline/` (and no
  other), and every contract of `layers/videoflix/domain/` the pipeline imports (and only
  modules that exist).
- README.md, "Every command": one row per `videoflix` command (and action), as argparse knows
  them.
- README.md's settings table: kept by tests/unit/test_settings_docs.py (not repeated here).

When one fails: add or remove the row or line it names.
"""
from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

from videoflix_tools.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "videoflix"
FANOUT_DOC = ROOT / "docs" / "fanout.md"
README = ROOT / "README.md"
ENTRY = re.compile(r"^( *)([a-z0-9_]+(?:\.py|/))(?= |$)")


def fanout_module_block(text: str) -> list[str]:
    section = text.split("\n## Modules\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```\n", 2)[1].split("```", 1)[0].splitlines()


def documented_modules(lines: list[str]) -> dict[str, set[str]]:
    """{"pipeline": {"probe.py", "fanout/chunking.py", ...}, "domain": {...}} as the block lists them."""
    found: dict[str, set[str]] = {}
    top, folder = None, ""
    for line in lines:
        match = ENTRY.match(line)
        if not match:
            continue  # a description carried on to the next line
        indent, name = len(match.group(1)), match.group(2)
        if indent == 0:
            top, folder = name.rstrip("/"), ""
            found.setdefault(top, set())
        elif name.endswith("/"):
            folder = name
        else:
            found[top].add(folder + name if indent > 2 else name)
            if indent <= 2:
                folder = ""
    return found


def pipeline_modules() -> set[str]:
    base = PACKAGE / "pipeline"
    return {path.relative_to(base).as_posix() for path in base.rglob("*.py") if path.name != "__init__.py"}


def domain_modules_the_pipeline_imports() -> set[str]:
    used = set()
    for path in (PACKAGE / "pipeline").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                     else [alias.name for alias in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                if name.startswith("videoflix.domain."):
                    used.add(name.split(".")[2] + ".py")
                elif name == "videoflix.domain" and isinstance(node, ast.ImportFrom):
                    used.update(f"{alias.name}.py" for alias in node.names)
    return used


def test_the_fanout_module_list_is_every_pipeline_module():
    listed = documented_modules(fanout_module_block(FANOUT_DOC.read_text(encoding="utf-8")))
    assert set(listed) == {"pipeline", "domain"}
    actual = pipeline_modules()
    assert not actual - listed["pipeline"], f"docs/fanout.md misses {sorted(actual - listed['pipeline'])}"
    assert not listed["pipeline"] - actual, f"docs/fanout.md lists {sorted(listed['pipeline'] - actual)}, gone"


def test_the_fanout_module_list_names_the_contracts_the_pipeline_uses():
    listed = documented_modules(fanout_module_block(FANOUT_DOC.read_text(encoding="utf-8")))["domain"]
    existing = {path.name for path in (PACKAGE / "domain").glob("*.py")}
    assert not listed - existing, f"docs/fanout.md lists {sorted(listed - existing)}, not in domain/"
    used = domain_modules_the_pipeline_imports()
    assert not used - listed, f"docs/fanout.md misses the contracts {sorted(used - listed)}"


def test_the_module_list_parser_sees_a_missing_or_extra_line():
    lines = fanout_module_block(FANOUT_DOC.read_text(encoding="utf-8"))
    listed = documented_modules(lines)
    assert {"probe.py", "fanout/chunking.py", "fanout/publish.py"} <= listed["pipeline"]
    without = documented_modules([line for line in lines if not line.startswith("    chunking.py")])
    assert listed["pipeline"] - without["pipeline"] == {"fanout/chunking.py"}
    extra = documented_modules(lines + ["  nothing.py   a module that is not there"])
    assert extra["domain"] - listed["domain"] == {"nothing.py"}


# -- the README's table of commands ---------------------------------------------------------------
def _subcommands(parser: argparse.ArgumentParser) -> tuple[dict[str, argparse.ArgumentParser], bool]:
    for action in parser._actions:  # argparse keeps its sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices), bool(action.required)
    return {}, False


def cli_commands() -> set[str]:
    """Every command line the parser takes: `upload`, `captions add`, `users` and `users create`, ..."""
    found = set()
    top, _ = _subcommands(build_parser())
    for name, parser in top.items():
        actions, required = _subcommands(parser)
        if not required:
            found.add(name)
        found.update(f"{name} {action}" for action in actions)
    return found


def readme_commands(readme: str) -> list[str]:
    section = readme.split("\n#### Every command\n", 1)[1].split("\n#", 1)[0]
    return [match.group(1) for match in re.finditer(r"^\| `videoflix ([a-z][a-z -]*?)`", section, re.MULTILINE)]


def test_the_readme_lists_every_command_once():
    listed = readme_commands(README.read_text(encoding="utf-8"))
    assert len(listed) == len(set(listed)), "a command is listed twice"
    actual = cli_commands()
    assert not actual - set(listed), f"README's table of commands misses {sorted(actual - set(listed))}"
    assert not set(listed) - actual, f"README lists {sorted(set(listed) - actual)}, which `videoflix` lacks"
    assert {"upload", "captions add", "users", "users create", "cloudfront-keygen"} <= actual
