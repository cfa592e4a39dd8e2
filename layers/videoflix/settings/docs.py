"""The settings' documentation, made from their declaration: the README table, checks of `.env.template`."""
from __future__ import annotations

from typing import Mapping

from videoflix.settings.declare import NO_DEV_DEFAULT, Declared, as_text
from videoflix.settings.environment import READ

TABLE_HEADER = "| variable | default | meaning |"


def default_text(item: Declared) -> str:
    """The default as the README shows it: its `shown` text, else the value ('–' when empty)."""
    if item.spec.shown is not None:
        return item.spec.shown
    text = as_text(item.default) or "–"
    if item.spec.dev_default is not NO_DEV_DEFAULT:
        text += f" ({as_text(item.spec.dev_default)} in dev/test)"
    return text


def markdown_table() -> str:
    """The README's settings table: one row per variable, in the groups' order."""
    rows = [TABLE_HEADER, "|---|---|---|"]
    rows += [f"| {item.variable} | {default_text(item)} | {item.spec.doc} |" for item in READ]
    return "\n".join(rows)


def readme_table(readme: str) -> str:
    """The settings table of the README's text: its header line and the table lines after it."""
    lines = readme.splitlines()
    if TABLE_HEADER not in lines:
        return ""
    start = lines.index(TABLE_HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[start:end])


def readme_problems(readme: str) -> list[str]:
    """How the README's settings table differs from the declaration, row by row; [] when it is the same."""
    shown, made = readme_table(readme).splitlines(), markdown_table().splitlines()
    if not shown:
        return [f"the README has no settings table (a line {TABLE_HEADER!r})"]
    declared = {row.split("|")[1].strip(): row for row in made[2:]}
    documented = {row.split("|")[1].strip(): row for row in shown[2:] if row.count("|") >= 3}
    problems = [f"README lists {name}, which videoflix.settings does not declare"
                for name in documented if name not in declared]
    problems += [f"README misses {name}" for name in declared if name not in documented]
    problems += [f"README row of {name} differs: {documented[name]!r}, declared {row!r}"
                 for name, row in declared.items() if name in documented and documented[name] != row]
    if not problems and shown != made:
        problems.append("README settings table is in another order or form than the declaration's")
    return problems


def template_problems(assignments: Mapping[str, str]) -> list[str]:
    """How `.env.template`'s NAME=value lines differ from the declaration; [] when they agree.

    A value there must be empty (the default applies), the default itself, or the setting's example.
    """
    declared = {item.variable: item for item in READ}
    problems = [f".env.template sets {name}, which videoflix.settings does not declare"
                for name in assignments if name not in declared]
    problems += [f".env.template misses {name}" for name in declared if name not in assignments]
    for name, value in assignments.items():
        item = declared.get(name)
        if item is not None and value not in {"", as_text(item.default), item.spec.example}:
            problems.append(f".env.template sets {name}={value}, neither empty nor the default "
                            f"{as_text(item.default)!r}" + (f" nor the example {item.spec.example!r}"
                                                             if item.spec.example is not None else ""))
    return problems
