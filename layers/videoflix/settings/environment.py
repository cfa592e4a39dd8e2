"""Reading the settings: from the process environment (and `.env`), and back into variables."""
from __future__ import annotations

import os
from typing import Mapping

from videoflix.settings.declare import NO_DEV_DEFAULT, SettingsError, as_text
from videoflix.settings.groups import (CHECKED_ENVIRONMENT_VARIABLES, DECLARED, DEV_STAGES, Settings,
                                       aws_credentials_kind)

# The settings read from a variable of their own (all but the derived ones), in the groups' order.
READ = tuple(item for item in DECLARED if item.variable)
ENVIRONMENT_VARIABLES = tuple(item.variable for item in READ)


def read_dotenv(path: str) -> dict[str, str]:
    """KEY=VALUE lines of a `.env` file (comments and blank lines skipped); {} if it is absent."""
    values: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return values
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip().removeprefix("export ").strip()] = value
    return values


def process_environment(dotenv_path: str | None = None) -> dict[str, str]:
    """The process environment over the values of a `.env` file (the environment wins)."""
    values = read_dotenv(dotenv_path) if dotenv_path else {}
    values.update(os.environ)
    return values


def settings_to_environ(settings: Settings) -> dict[str, str]:
    """The variables that rebuild `settings` in another process (the dev stack's workers)."""
    return {item.variable: as_text(getattr(settings, item.attribute)) for item in READ}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from `environ` (the process environment by default)."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    problems: list[str] = []
    for item in READ:
        raw = env.get(item.variable)
        if raw is None or raw == "":
            continue
        try:
            values[item.attribute] = item.parse(raw)
        except SettingsError as exc:
            problems.append(str(exc))
    if str(values.get("environment", Settings.environment)) in DEV_STAGES:
        for item in READ:
            if item.spec.dev_default is not NO_DEV_DEFAULT and item.attribute not in values:
                values[item.attribute] = item.spec.dev_default
    values["aws_credentials"] = aws_credentials_kind(*(env.get(n, "") for n in CHECKED_ENVIRONMENT_VARIABLES))
    settings = Settings(**values)
    problems += settings.problems()
    if problems:
        raise SettingsError.of(problems)
    return settings


def settings_problems(settings: Settings) -> list[str]:
    """Every problem of `settings`, each saying what to do; [] when the process may start."""
    return settings.problems()


def production_problems(settings: Settings) -> list[str]:
    """What a staging or prod process must not start with: the development defaults, each with the fix."""
    return settings.production_problems()


def playback_problems(settings: Settings) -> list[str]:
    """PLAYBACK_SIGNER=cloudfront needs the distribution, the key's id and where the private key is."""
    return settings.signer_problems()


def validate_settings(settings: Settings) -> None:
    """Refuse settings that are invalid, or unsafe outside development: one error listing every problem."""
    problems = settings.problems()
    if problems:
        raise SettingsError.of(problems)
