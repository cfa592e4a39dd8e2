"""The reference web player (infra/player) served by `make dev`, told where the API is."""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

log = logging.getLogger("videoflix_tools.dev.player")

# The player lives in the repository, not in the package: `make dev` runs from a checkout.
PLAYER_DIR = Path(__file__).resolve().parents[3] / "infra" / "player"
HLS_JS = Path("node_modules/hls.js/dist/hls.min.js")


def config_script(api_url: str, dev_mode: bool, insights: dict | None = None) -> bytes:
    """/config.js: replaces the file on disk, so the pages find the API on whatever port it runs.
    `insights`: whether the player reports playback, and how often (`insights_config`)."""
    config = {"apiBase": api_url, "devMode": dev_mode, **(insights or {})}
    return f"window.VIDEOFLIX_CONFIG = {json.dumps(config)};\n".encode()


def insights_config(enabled: bool, interval_ms: int) -> dict:
    """PLAYBACK_INSIGHTS and PLAYBACK_REPORT_INTERVAL_MS as the player reads them (player/insights.js)."""
    return {"playbackInsights": enabled, "playbackReportIntervalMs": interval_ms}


def player_app(folder: Path, config_js: bytes, canonical_origin: str | None = None) -> Callable:
    """A WSGI app serving `folder` as static files (index.html for directories) and /config.js.

    With `canonical_origin` (http://127.0.0.1:PORT), a page asked for as `localhost` is sent
    there: the browser keeps cookies per host name, so the API's cookies (set for 127.0.0.1)
    would never reach a page opened as localhost, and the login would seem to fail.
    """
    from werkzeug.exceptions import NotFound
    from werkzeug.utils import redirect, send_from_directory
    from werkzeug.wrappers import Request, Response

    @Request.application
    def application(request: Request) -> Response:
        if canonical_origin and request.host.rsplit(":", 1)[0].lower() == "localhost":
            query = request.query_string.decode("latin-1")
            return redirect(canonical_origin + request.path + (f"?{query}" if query else ""), 307)
        if request.method not in {"GET", "HEAD"}:
            return Response("Method not allowed\n", 405, mimetype="text/plain", headers={"Allow": "GET, HEAD"})
        path = request.path
        if path == "/config.js":
            return Response(config_js, mimetype="text/javascript", headers={"Cache-Control": "no-store"})
        if path.endswith("/"):
            path += "index.html"
        try:
            # send_from_directory refuses paths outside the folder; files are revalidated (no-cache).
            return send_from_directory(folder, path.lstrip("/"), request.environ)
        except NotFound:
            return Response("Not found\n", 404, mimetype="text/plain")
    return application


def missing_hls_js(folder: Path = PLAYER_DIR) -> bool:
    return not (folder / HLS_JS).is_file()
