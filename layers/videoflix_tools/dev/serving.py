"""Running a socket server of the dev stack on a background thread."""
from __future__ import annotations

import threading
from typing import Any, Callable


def serve_in_background(server: Any, name: str) -> Callable[[], None]:
    """Serve `server` (socketserver-style) on a daemon thread; returns what stops it and frees its port."""
    threading.Thread(target=server.serve_forever, daemon=True, name=name).start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
    return stop
