"""Issue 25: a cold function pays on its first request only for what that request uses.

Each case is a fresh interpreter importing the function's handler, as Lambda's init does, then
serving one request against the test database and Redis. A login, a token refresh (its login
state cached or not) and a logout on a cold auth function, and a catalog page or playlist from
the caches on a cold catalog function, never load the ORM (SQLAlchemy and the models: about 200 ms
of a cold start, bench/cold_start.py); a registration, and a catalog page the caches lack, do.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from videoflix.domain.cache_keys import login_state_key
from videoflix.settings import settings_to_environ
from videoflix_tools.functions import FUNCTIONS_DIR, PROJECT_ROOT
from videoflix_tools.testing.api_client import FRONTEND_ORIGIN

pytestmark = pytest.mark.integration
VIEWER, PASSWORD = "cold-viewer@example.com", "correct-horse-9"
ORM = ("sqlalchemy", "videoflix.db.models")

CHILD = """
import json, os, sys
import app
response = app.app(json.loads(os.environ["COLD_EVENT"]), None)
print(json.dumps({"status": response["statusCode"], "loaded": [m for m in ORM if m in sys.modules]}))
"""


@pytest.fixture
def cold(services, gateway):
    """Serve one request on a fresh interpreter of `function`: (status, the ORM modules it loaded)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    environment.update(settings_to_environ(services.settings), PYTHONPATH=str(PROJECT_ROOT / "layers"))

    def serve(function: str, method: str, path: str, body: dict | None = None,
              cookies: dict[str, str] | None = None) -> tuple[int, list[str]]:
        route, params = gateway.match(path)
        headers = [("Content-Type", "application/json"), ("Origin", FRONTEND_ORIGIN)]
        if cookies:
            headers.append(("Cookie", "; ".join(f"{name}={value}" for name, value in cookies.items())))
        event = gateway.build_event(route.template, method, path, "", headers,
                                    json.dumps(body).encode() if body is not None else b"", "198.51.100.7", params)
        done = subprocess.run([sys.executable, "-c", f"ORM = {ORM!r}\n{CHILD}"], cwd=FUNCTIONS_DIR / function,
                              env={**environment, "COLD_EVENT": json.dumps(event)}, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        answer = json.loads(done.stdout.strip().splitlines()[-1])
        return answer["status"], answer["loaded"]

    return serve


def test_a_cold_login_refresh_and_logout_never_load_the_orm(cold, services, user_client):
    viewer = user_client(VIEWER, PASSWORD)
    assert cold("auth", "POST", "/api/login/", {"email": VIEWER, "password": PASSWORD}) == (200, [])
    # The refresh reads the users row when the login check's cache lacks it: in plain SQL too.
    services.cache.delete(login_state_key(viewer.get("/api/me/").json["id"]))
    assert cold("auth", "POST", "/api/token/refresh/", cookies={"refresh_token": viewer.cookies["refresh_token"]}) \
        == (200, [])
    other = user_client("cold-other@example.com", PASSWORD)
    assert cold("auth", "POST", "/api/logout/", cookies={"refresh_token": other.cookies["refresh_token"]}) == (200, [])
    assert other.post("/api/token/refresh/").status == 401  # the cold logout revoked its family


def test_a_wrong_password_on_a_cold_function_is_refused_without_the_orm(cold, user_client):
    user_client(VIEWER, PASSWORD)
    assert cold("auth", "POST", "/api/login/", {"email": VIEWER, "password": "wrong-horse-9"}) == (401, [])
    assert cold("auth", "POST", "/api/login/", {"email": "nobody@example.com", "password": PASSWORD}) == (401, [])


def test_a_cold_registration_loads_the_orm(cold):
    """The probe sees the ORM when a request needs it (registration writes the user and its mail job)."""
    status, loaded = cold("auth", "POST", "/api/register/", {"email": "new@example.com", "password": PASSWORD,
                                                              "confirmed_password": PASSWORD})
    assert status == 201 and loaded == list(ORM)


def test_a_cold_catalog_page_from_the_caches_never_loads_the_orm(cold, services, user_client, ready_film):
    film = ready_film(title="Cold", rungs=("480p",), duration=12.0)
    viewer = user_client(VIEWER, PASSWORD)
    access = {"access_token": viewer.cookies["access_token"]}
    assert cold("catalog", "GET", "/api/video/", cookies=access) == (200, list(ORM))  # fills the cache
    assert cold("catalog", "GET", "/api/video/", cookies=access) == (200, [])
    for playlist in ("480p/index.m3u8", "master.m3u8"):  # caches the film, its playlist and caption tracks
        assert viewer.get(f"/api/video/{film}/{playlist}").status == 200
    assert cold("catalog", "GET", f"/api/video/{film}/480p/index.m3u8", cookies=access) == (200, [])
    assert cold("catalog", "GET", f"/api/video/{film}/master.m3u8", cookies=access) == (200, [])
