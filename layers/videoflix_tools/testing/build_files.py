"""The build files read as their tools read them: a Dockerfile's instructions, the commands `make -n` prints.

Tests check what the layer and the transcoder image are made of through these, so a
reworded comment or a reflowed line never passes or fails a check, as a regex would.
"""
from __future__ import annotations

import json
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Shell words that separate commands: a command's own words are those between them.
SHELL_OPERATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "then", "else", "fi", "if", "do", "done"})


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword in capitals, and its arguments with continuations joined."""

    keyword: str
    arguments: str

    def words(self) -> list[str]:
        """The arguments as words: the exec form's JSON list, else split as a shell would.

        The instruction's own leading flags (`COPY --chown=...`) are left out.
        """
        if self.arguments.startswith("["):
            return json.loads(self.arguments)
        words = shlex.split(self.arguments)
        while words and words[0].startswith("--"):
            words.pop(0)
        return words


def dockerfile_instructions(path: str | Path) -> list[Instruction]:
    """Every instruction of the Dockerfile in order (comments and blank lines skipped, `\\` lines joined)."""
    instructions, pending = [], ""
    for line in Path(path).read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, also inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append(Instruction(keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def make_dry_run(directory: str | Path, target: str, **variables: str) -> list[list[str]]:
    """The commands `make TARGET` would run in `directory`, each split into words; nothing is run.

    A recipe line continued with `\\` is one command, and make's echoed comments are left out.
    """
    done = subprocess.run(["make", "--no-print-directory", "-n", "-C", str(directory), target,
                           *(f"{name}={value}" for name, value in variables.items())],
                          capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"make -n {target} failed: {done.stderr.strip()}")
    commands, pending = [], ""
    for line in done.stdout.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text, pending = pending + line, ""
        if text.strip() and not text.lstrip().startswith("#"):
            lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            commands.append(list(lexer))
    return commands


def simple_commands(words: list[str]) -> list[list[str]]:
    """The simple commands of a command line: its words split at `;`, `&&`, `if`, `then` and the like."""
    found, current = [], []
    for word in words:
        if word in SHELL_OPERATORS:
            if current:
                found.append(current)
            current = []
        else:
            current.append(word)
    if current:
        found.append(current)
    return found
