"""`python -m videoflix.settings`: print the README's settings table, or check the docs against the declaration.

    PYTHONPATH=layers python -m videoflix.settings --markdown       # the table, to paste into README.md
    PYTHONPATH=layers python -m videoflix.settings --check [ROOT]   # README.md and .env.template of ROOT (.)
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from videoflix.settings.docs import markdown_table, readme_problems, template_problems
from videoflix.settings.environment import read_dotenv


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m videoflix.settings", description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--markdown", action="store_true", help="print the README's settings table (the default)")
    action.add_argument("--check", metavar="ROOT", nargs="?", const=".",
                        help="check ROOT/README.md and ROOT/.env.template against the declaration")
    args = parser.parse_args(argv)
    if args.check is None:
        print(markdown_table())
        return 0
    root = Path(args.check)
    problems = readme_problems((root / "README.md").read_text(encoding="utf-8"))
    problems += template_problems(read_dotenv(str(root / ".env.template")))
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
