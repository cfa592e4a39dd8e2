"""register -> email -> activate -> login -> refresh -> logout over real HTTP against `videoflix dev`."""
from __future__ import annotations

import re
import uuid

import pytest
import requests

pytestmark = pytest.mark.e2e
ORIGIN = "http://127.0.0.1:5500"


def test_account_journey_over_http(dev_stack):
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    browser = requests.Session()
    browser.headers.update({"Origin": ORIGIN, "Content-Type": "application/json"})

    preflight = requests.options(dev_stack.url("/api/register/"), headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=10)
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert preflight.headers["Access-Control-Allow-Credentials"] == "true"

    registered = browser.post(dev_stack.url("/api/register/"), json={
        "email": email, "password": "journey-pass-1", "confirmed_password": "journey-pass-1"})
    assert registered.status_code == 201, registered.text

    mail = dev_stack.wait_for_email(email, "Confirm your email")
    uid, token = re.search(r"activate\.html\?uid=([\w-]+)&token=([\w-]+)", mail["text"]).groups()
    activated = browser.get(dev_stack.url(f"/api/activate/{uid}/{token}/"))
    assert activated.json() == {"message": "Account successfully activated."}

    login = browser.post(dev_stack.url("/api/login/"), json={"email": email, "password": "journey-pass-1"})
    assert login.status_code == 200 and login.json()["user"]["username"] == email
    assert {"access_token", "refresh_token", "csrftoken"} <= set(browser.cookies.keys())
    old_refresh = browser.cookies["refresh_token"]

    refreshed = browser.post(dev_stack.url("/api/token/refresh/"))
    assert refreshed.status_code == 200 and refreshed.json()["access"]
    assert browser.cookies["refresh_token"] != old_refresh

    assert browser.get(dev_stack.url("/api/video/")).status_code == 200

    logout = browser.post(dev_stack.url("/api/logout/"))
    assert logout.status_code == 200
    assert "refresh_token" not in browser.cookies
    stolen = requests.post(dev_stack.url("/api/token/refresh/"), cookies={"refresh_token": old_refresh},
                           headers={"Origin": ORIGIN}, timeout=10)
    assert stolen.status_code == 401 and "detail" in stolen.json()
