"""A day with `make dev`: staff stay signed in across a restart, the CLI's `invoke` finds the running
stack (and never real AWS), and the mailbox reads well in a browser while scripts still get JSON."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager

import pytest
import requests

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, start_stack
from videoflix_tools.dev.stack import free_port
from videoflix_tools.functions import PROJECT_ROOT

pytestmark = pytest.mark.e2e
running_stack = contextmanager(start_stack)
SWEEP_EVENT = str(PROJECT_ROOT / "events" / "scheduled_sweep.json")
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def cli(folder, config, *argv: str) -> subprocess.CompletedProcess:
    """`videoflix ARGV` in the stack's folder, as a developer runs it beside `make dev`."""
    environ = {key: value for key, value in os.environ.items()
               if key not in {"AWS_ENDPOINT_URL", "DATABASE_URL", "REDIS_URL", "VIDEOFLIX_ENV"}}
    environ.update(VIDEOFLIX_CONFIG_DIR=str(config), VIDEOFLIX_PASSWORD=ADMIN_PASSWORD, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "videoflix_tools.cli.main", *argv], cwd=folder, env=environ,
                          capture_output=True, text=True, timeout=120, check=False)


def test_staff_stay_signed_in_and_invoke_reaches_the_stack_across_restarts(tmp_path):
    folder, config, port = tmp_path / "checkout", tmp_path / "config", free_port()
    folder.mkdir()
    with running_stack(folder, "", "", port=port) as stack:
        login = cli(folder, config, "login", "--api", stack.api, "--email", ADMIN_EMAIL)
        assert login.returncode == 0, login.stderr
        swept = cli(folder, config, "invoke", "sweeper", SWEEP_EVENT)
        assert swept.returncode == 0, swept.stderr[-3000:]
        assert json.loads(swept.stdout)["requeued"] == []
        first_endpoint = json.loads((folder / ".dev" / "services.json").read_text())["environ"]["AWS_ENDPOINT_URL"]

    # Stopped: nothing to reach, and nothing falls through to real AWS.
    stopped = cli(folder, config, "invoke", "sweeper", SWEEP_EVENT)
    assert stopped.returncode == 1 and "Traceback" not in stopped.stderr, stopped.stderr[-3000:]
    assert "no running `make dev` found" in stopped.stderr and "NoCredentialsError" not in stopped.stderr

    with running_stack(folder, "", "", port=port) as stack:
        videos = cli(folder, config, "videos")  # the login from before the restart
        assert videos.returncode == 0, videos.stderr
        assert "expired" not in videos.stderr and videos.stdout.startswith("No videos yet.")
        swept = cli(folder, config, "invoke", "sweeper", SWEEP_EVENT)
        assert swept.returncode == 0, swept.stderr[-3000:]
        assert json.loads(swept.stdout)["requeued"] == []
        services = json.loads((folder / ".dev" / "services.json").read_text())
        assert services["api"] == stack.api and services["environ"]["AWS_ENDPOINT_URL"] != first_endpoint
        assert oct((folder / ".dev" / "services.json").stat().st_mode & 0o777) == "0o600"


def test_a_changed_admin_password_is_stored_and_the_old_one_refused(tmp_path):
    folder, config, port = tmp_path / "checkout", tmp_path / "config", free_port()
    folder.mkdir()
    with running_stack(folder, "", "", port=port) as stack:
        assert cli(folder, config, "login", "--api", stack.api, "--email", ADMIN_EMAIL).returncode == 0
    with running_stack(folder, "", "", port=port, extra_environ={"ADMIN_PASSWORD": "another-admin-password"}) as stack:
        old = requests.post(stack.url("/api/login/"), json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                            timeout=10)
        new = requests.post(stack.url("/api/login/"), json={"email": ADMIN_EMAIL,
                                                            "password": "another-admin-password"}, timeout=10)
        assert (old.status_code, new.status_code) == (401, 200)
        # The password changed, so the sessions of the old one end (as a password reset ends them).
        assert "login" in cli(folder, config, "videos").stderr


def _register(stack, email: str) -> None:
    answer = requests.post(stack.url("/api/register/"), json={
        "email": email, "password": "mailbox-pass-1", "confirmed_password": "mailbox-pass-1"},
        headers={"Origin": "http://127.0.0.1:5500"}, timeout=10)
    assert answer.status_code == 201, answer.text


def test_the_mailbox_is_a_page_for_browsers_and_json_for_scripts(dev_stack):
    first = "mailbox-first@example.com"
    _register(dev_stack, first)
    dev_stack.wait_for_email(first, "Confirm your email")
    _register(dev_stack, "mailbox-second@example.com")
    mail = dev_stack.wait_for_email("mailbox-second@example.com", "Confirm your email")

    as_script = requests.get(dev_stack.url("/dev/emails"), timeout=10)  # Accept: */*
    assert as_script.headers["Content-Type"] == "application/json"
    emails = as_script.json()
    assert any(m["to"] == [first] for m in emails)
    for accept in ("application/json", BROWSER_ACCEPT):
        query = "" if accept == "application/json" else "?format=json"
        answer = requests.get(dev_stack.url(f"/dev/emails{query}"), headers={"Accept": accept}, timeout=10)
        assert answer.headers["Content-Type"] == "application/json" and answer.json() == emails

    page = requests.get(dev_stack.url("/dev/emails"), headers={"Accept": BROWSER_ACCEPT}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.text
    link = re.search(r"https?://\S+activate\.html\?uid=[\w-]+&token=[\w-]+", mail["text"]).group(0)
    # Clickable (the & escaped in the attribute, as HTML wants it), newest first.
    assert f'<a href="{link.replace("&", "&amp;")}">' in html
    assert html.index("mailbox-second@example.com") < html.index(first)
    assert requests.get(dev_stack.url("/dev/emails?format=html"), timeout=10).headers["Content-Type"] \
        .startswith("text/html")
