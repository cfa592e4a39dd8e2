"""Loading the function handlers from `functions/`, each under its own module name."""
from __future__ import annotations

import importlib.util
import sys
import uuid
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = PROJECT_ROOT / "functions"

# function name -> (file, handler attribute) as in template.yaml
HANDLERS = {
    "auth": ("auth/app.py", "app"),
    "catalog": ("catalog/app.py", "app"),
    "admin": ("admin/app.py", "app"),
    "mailer": ("mailer/app.py", "handler"),
    "transcoder": ("transcoder/app.py", "handler"),
    "chunker": ("transcoder/app.py", "chunk_handler"),  # the transcoder's image, another command
    "migrate": ("migrate/app.py", "handler"),
    "sweeper": ("sweeper/app.py", "handler"),
    "insights": ("insights/app.py", "handler"),
    "staff": ("staff/app.py", "handler"),
}
API_FUNCTIONS = ("auth", "catalog", "admin")


def load_function_module(name: str) -> ModuleType:
    """Import functions/<name>/app.py as `videoflix_function_<name>` (two app.py never collide)."""
    module_name = f"videoflix_function_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    relative, _ = HANDLERS[name]
    path = FUNCTIONS_DIR / relative
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def load_handler(name: str):
    return getattr(load_function_module(name), HANDLERS[name][1])


class LocalContext:
    """The Lambda context a handler gets when the dev stack or the CLI invokes it locally."""

    def __init__(self, function_name: str, timeout_seconds: int, memory_mb: int,
                 request_id: str | None = None) -> None:
        self.function_name = function_name
        self.aws_request_id = request_id or uuid.uuid4().hex
        self.memory_limit_in_mb = memory_mb
        self._timeout_ms = timeout_seconds * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms
