"""Running a function handler in a separate process, as a Lambda instance of its own."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any, Callable


def subprocess_handler(function_name: str, environ: dict[str, str],
                       timeout: float = 900) -> Callable[[dict, Any], dict]:
    def invoke(event: dict, context: Any) -> dict:
        with tempfile.TemporaryDirectory(prefix="videoflix-invoke-") as folder:
            event_path = os.path.join(folder, "event.json")
            result_path = os.path.join(folder, "result.json")
            with open(event_path, "w", encoding="utf-8") as handle:
                json.dump(event, handle)
            completed = subprocess.run(
                [sys.executable, "-m", "videoflix_tools.cli.main", "invoke", function_name, event_path,
                 "--output", result_path], env=environ, timeout=timeout, check=False)
            if completed.returncode != 0:
                raise RuntimeError(f"{function_name} worker exited with {completed.returncode}")
            with open(result_path, encoding="utf-8") as handle:
                return json.load(handle)
    return invoke
