"""The auth and catalog handlers import no library their usual requests do not need.

Lambda imports the handler module on every cold start, so a library imported there is paid
for by each new instance, needed or not (bench/cold_start.py measures the import).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

from videoflix_tools.functions import FUNCTIONS_DIR, HANDLERS, PROJECT_ROOT
from videoflix_tools.testing.build_files import dockerfile_instructions, make_dry_run, simple_commands

# AWS SDK, FFmpeg/PyAV, migrations, the ORM (issue 25: a login and a cached page never need it) and
# test-only stand-ins: loaded on first use, if ever.
NOT_AT_IMPORT = ("boto3", "botocore", "s3transfer", "av", "imageio_ffmpeg", "alembic", "mako", "moto",
                 "fakeredis", "sqlalchemy")


def run_fresh(code: str, cwd: Path) -> str:
    """Run `code` in a fresh interpreter with layers/ on the path; its output (it must succeed)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(PROJECT_ROOT / "layers")
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def heavy_modules_after(code: str, cwd: Path = PROJECT_ROOT) -> list[str]:
    """The NOT_AT_IMPORT libraries loaded once `code` ran in a fresh interpreter, layers/ on the path."""
    report = f"import json, sys\nprint(json.dumps(sorted(m for m in {NOT_AT_IMPORT!r} if m in sys.modules)))"
    return json.loads(run_fresh(f"{code}\n{report}", cwd).strip().splitlines()[-1])


@pytest.mark.parametrize("function", ["auth", "catalog"])
def test_handler_import_leaves_heavy_libraries_for_first_use(function):
    # As Lambda imports it: the function's folder first on the path, the layer after it.
    folder = (FUNCTIONS_DIR / HANDLERS[function][0]).parent
    assert heavy_modules_after("import app", cwd=folder) == []


def test_the_check_sees_a_library_that_is_imported():
    code = "from videoflix.pipeline.ffmpeg import ffmpeg_executable\nffmpeg_executable()"
    assert heavy_modules_after(code) == ["imageio_ffmpeg"]


def template_runtimes() -> set[str]:
    """The Python versions of the zip functions in template.yaml, e.g. {"3.12"}."""
    resources = cfn_yaml.load(str(PROJECT_ROOT / "template.yaml"))["Resources"].values()
    return {r["Properties"]["Runtime"].removeprefix("python") for r in resources
            if r["Type"] == "AWS::Serverless::Function" and "Runtime" in r["Properties"]}


def test_the_layer_is_compiled_for_the_python_of_the_functions(tmp_path):
    # Lambda's /opt is read-only: .pyc of another Python version are ignored, and every cold
    # start would compile each module it imports again (bench/cold_start.py: 3.5-5x the import).
    commands = make_dry_run(PROJECT_ROOT / "layers", "build-VideoflixLayer", ARTIFACTS_DIR=str(tmp_path))
    [compiling] = [c for c in commands if "compileall" in c]
    guard, compile_all, *_ = simple_commands(compiling)
    # Compiled only by an interpreter of the runtime's version: `test "$(python -c ...)" = 3.12`.
    assert guard[0] == "test" and guard[2] == "=" and {guard[3]} == template_runtimes()
    assert compile_all[1:3] == ["-m", "compileall"]
    assert compile_all[compile_all.index("--invalidation-mode") + 1] == "unchecked-hash"
    assert str(tmp_path / "python") in compile_all
    wheels_for = {c[c.index("--python-version") + 1] for c in commands if "--python-version" in c}
    assert wheels_for == template_runtimes()


def test_the_transcoder_image_ships_bytecode_of_the_shared_package():
    # A container image's file system is read-only too; its pip-installed libraries come
    # compiled, the copied source does not.
    instructions = dockerfile_instructions(FUNCTIONS_DIR / "transcoder" / "Dockerfile")
    [base] = [i.words()[0] for i in instructions if i.keyword == "FROM"]
    image, _, tag = base.partition(":")
    assert image == "public.ecr.aws/lambda/python" and {tag} == template_runtimes()
    keywords = [(i.keyword, i.words()) for i in instructions]
    copied = keywords.index(("COPY", ["layers/videoflix", "${LAMBDA_TASK_ROOT}/videoflix"]))
    [compiled] = [n for n, (keyword, words) in enumerate(keywords) if keyword == "RUN" and "compileall" in words]
    assert copied < compiled and "${LAMBDA_TASK_ROOT}/videoflix" in keywords[compiled][1]


@pytest.mark.parametrize("function", sorted({relative.split("/")[0] for relative, _ in HANDLERS.values()}))
def test_handler_imports_run_with_the_collector_paused_then_frozen(function):
    # videoflix.coldstart: about a sixth of the import is the collector walking new objects.
    code = ("import gc\nimport app\n"
            "assert gc.isenabled(), 'collector left off'\n"
            "assert gc.get_freeze_count() > 10000, gc.get_freeze_count()\n")
    run_fresh(code, FUNCTIONS_DIR / function)
