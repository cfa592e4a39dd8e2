"""How a setting is declared: once, as a field of its group, with its type, default and one-line doc.

The environment variable of a field is its name upper-cased (`database_url` -> DATABASE_URL),
except the few listed in VARIABLE_NAME_EXCEPTIONS; the parser follows from the field's type.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

# Variables whose name is not the field's name upper-cased, and why.
VARIABLE_NAME_EXCEPTIONS = {
    # ENVIRONMENT would be too generic a name for a process-wide variable (other tools read it);
    # VIDEOFLIX_ENV is the name template.yaml, the Makefile and every deployment already set.
    "environment": "VIDEOFLIX_ENV",
}


class SettingsError(ValueError):
    """The environment holds a value the process cannot start with; `problems` lists every one found."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)

    @classmethod
    def of(cls, problems: list[str]) -> "SettingsError":
        """One error for all `problems`: the problem itself if it is alone, else a list of them."""
        if len(problems) == 1:
            return cls(problems[0])
        listed = "".join(f"\n  - {problem}" for problem in problems)
        return cls(f"{len(problems)} problems in the settings:{listed}", problems)


def _as_bool(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _as_int(raw: str, name: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _as_str(raw: str, name: str) -> str:
    return raw.strip()


def _as_list(raw: str, name: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())


# The type of a field -> how its variable's text becomes a value.
PARSERS: dict[Any, Callable[[str, str], object]] = {
    str: _as_str, int: _as_int, bool: _as_bool, tuple[str, ...]: _as_list,
}


def as_text(value: object) -> str:
    """A value as its variable would hold it (the inverse of the parsers)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


class _NoDevDefault:
    def __repr__(self) -> str:
        return "NO_DEV_DEFAULT"


# Spec.dev_default of a setting whose default is the same in dev/test as elsewhere.
NO_DEV_DEFAULT: Any = _NoDevDefault()


@dataclass(frozen=True)
class Spec:
    """What a setting says besides its name, type and default (kept in the field's metadata)."""

    doc: str  # one line: the README table's "meaning"
    shown: str | None = None  # the README's default when the value itself says little (10 GiB)
    example: str | None = None  # the value .env.template suggests in place of the default
    dev_default: object = NO_DEV_DEFAULT  # the default in dev/test, if it differs
    from_environment: bool = True  # False: derived by load_settings, no variable of its own


_SPEC = "videoflix.settings"


def setting(default: object, doc: str, *, shown: str | None = None, example: str | None = None,
            dev_default: object = NO_DEV_DEFAULT) -> Any:
    """A field read from the variable named after it."""
    return field(default=default, metadata={_SPEC: Spec(doc, shown, example, dev_default)})


def derived(default: object, doc: str) -> Any:
    """A field load_settings works out from other variables; it has none of its own."""
    return field(default=default, metadata={_SPEC: Spec(doc, from_environment=False)})


def variable_name(attribute: str) -> str:
    return VARIABLE_NAME_EXCEPTIONS.get(attribute, attribute.upper())


@dataclass(frozen=True)
class Declared:
    """One setting as its group declares it."""

    group: type
    attribute: str
    type: Any
    default: object
    spec: Spec

    @property
    def variable(self) -> str | None:
        """The environment variable it is read from; None for a derived setting."""
        return variable_name(self.attribute) if self.spec.from_environment else None

    def parse(self, raw: str) -> object:
        return PARSERS[self.type](raw, self.variable or self.attribute)


def settings_group(cls: type) -> type:
    """Mark a group: its annotated fields, in order, each declared with setting() or derived().

    A group is a plain class, not a dataclass: only `Settings`, which inherits every group, is made
    a dataclass (its fields gathered from the groups by `gather_fields`), one class to build at
    import instead of sixteen: a cold start pays for it.
    """
    cls.__settings_fields__ = tuple((name, kind, cls.__dict__.get(name, dataclasses.MISSING))
                                    for name, kind in cls.__dict__.get("__annotations__", {}).items())
    return cls


def gather_fields(cls: type) -> type:
    """Give `cls` the annotations of its groups (in the order a dataclass would collect them from
    dataclass bases: the last base first), so `dataclass(cls)` sees every setting."""
    annotations: dict[str, Any] = {}
    for base in reversed(cls.__bases__):
        annotations.update({name: kind for name, kind, _ in base.__settings_fields__})
    annotations.update(cls.__dict__.get("__annotations__", {}))
    cls.__annotations__ = annotations
    return cls


def declared_in(groups: Iterable[type]) -> tuple[Declared, ...]:
    """Every setting of `groups`, in order; a field without a spec or of an unknown type is refused."""
    found = []
    for group in groups:
        for name, kind, item in group.__settings_fields__:
            spec = item.metadata.get(_SPEC) if isinstance(item, dataclasses.Field) else None
            if spec is None:
                raise TypeError(f"{group.__name__}.{name} is not declared with setting() or derived()")
            if kind not in PARSERS:
                raise TypeError(f"{group.__name__}.{name}: no parser for {kind!r}")
            found.append(Declared(group, name, kind, item.default, spec))
    return tuple(found)


class Group:
    """A group of settings: its fields, and the checks of those fields beside them."""

    def problems(self) -> list[str]:
        """What is wrong with the group's values, each saying what to do."""
        return []

    def production_problems(self) -> list[str]:
        """What staging and prod must not start with (the development defaults), each with the fix."""
        return []
