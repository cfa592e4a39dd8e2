"""Every data file of the `videoflix` package is installed with it (pyproject's package-data).

The Lambda layer copies the whole folder (layers/Makefile); `pip install .` (the CLI, `make
install`) installs only .py files and what package-data names, so a file missing there would
be absent at run time, e.g. the common-password block-list.
"""
from __future__ import annotations

import fnmatch
import tomllib

from videoflix_tools.functions import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "layers" / "videoflix"


def test_every_data_file_of_the_package_is_named_in_package_data():
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["videoflix"]
    data_files = [path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*")
                  if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts]
    assert "auth/common-passwords.txt.gz" in data_files
    missing = [name for name in data_files if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert missing == []
