"""`.env.template` and the README's settings table agree with the one declaration of the settings.

When one fails: declare the setting (layers/videoflix/settings/groups.py) and regenerate the
README table with `PYTHONPATH=layers python -m videoflix.settings --markdown`; add the variable
to `.env.template`, empty or with its default (or its declared example).
"""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from videoflix.settings import ENVIRONMENT_VARIABLES, GROUPS, VARIABLE_NAME_EXCEPTIONS, Settings, read_dotenv
from videoflix.settings.docs import markdown_table, readme_problems, readme_table, template_problems
from videoflix.settings.groups import DECLARED

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ENV_TEMPLATE = ROOT / ".env.template"


def test_the_readme_settings_table_is_the_declarations():
    readme = README.read_text(encoding="utf-8")
    assert readme_problems(readme) == []
    assert readme_table(readme) == markdown_table()


def test_env_template_sets_every_declared_variable_and_no_other():
    assert template_problems(read_dotenv(str(ENV_TEMPLATE))) == []


def test_a_drifting_readme_or_env_template_is_caught():
    readme = README.read_text(encoding="utf-8")
    without_row = "\n".join(line for line in readme.splitlines() if not line.startswith("| FANOUT_CHUNK_SECONDS |"))
    assert readme_problems(without_row) == ["README misses FANOUT_CHUNK_SECONDS"]
    extra_row = readme.replace("| VIDEOFLIX_ENV |", "| NOT_A_SETTING | 1 | nothing |\n| VIDEOFLIX_ENV |", 1)
    assert readme_problems(extra_row) == ["README lists NOT_A_SETTING, which videoflix.settings does not declare"]
    other_default = readme.replace("| BCRYPT_ROUNDS | 12 |", "| BCRYPT_ROUNDS | 10 |", 1)
    assert [p.split(":")[0] for p in readme_problems(other_default)] == ["README row of BCRYPT_ROUNDS differs"]
    template = read_dotenv(str(ENV_TEMPLATE))
    assert template_problems({**template, "NOT_A_SETTING": ""}) == [
        ".env.template sets NOT_A_SETTING, which videoflix.settings does not declare"]
    assert template_problems({k: v for k, v in template.items() if k != "MEDIA_BUCKET"}) == [
        ".env.template misses MEDIA_BUCKET"]
    assert template_problems({**template, "BCRYPT_ROUNDS": "10"}) == [
        ".env.template sets BCRYPT_ROUNDS=10, neither empty nor the default '12'"]


def test_each_variable_is_its_field_upper_cased_but_for_the_listed_exceptions():
    for item in DECLARED:
        if item.variable is not None:
            assert item.variable == VARIABLE_NAME_EXCEPTIONS.get(item.attribute, item.attribute.upper())
    assert set(VARIABLE_NAME_EXCEPTIONS) <= {item.attribute for item in DECLARED}
    assert len(set(ENVIRONMENT_VARIABLES)) == len(ENVIRONMENT_VARIABLES)


def test_every_field_of_settings_is_declared_by_exactly_one_group():
    declared = [item.attribute for item in DECLARED]
    assert sorted(declared) == sorted(f.name for f in dataclasses.fields(Settings))
    assert len(set(declared)) == len(declared)
    assert all(item.spec.doc and "\n" not in item.spec.doc and "|" not in item.spec.doc for item in DECLARED)
    assert Settings.__bases__ == GROUPS


def test_the_command_prints_the_table_and_checks_the_docs():
    env = {"PYTHONPATH": str(ROOT / "layers"), "PATH": "/usr/bin:/bin"}
    printed = subprocess.run([sys.executable, "-m", "videoflix.settings", "--markdown"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=60, check=True)
    assert printed.stdout.strip() == markdown_table()
    checked = subprocess.run([sys.executable, "-m", "videoflix.settings", "--check"], env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=60, check=False)
    assert (checked.returncode, checked.stderr) == (0, "")
