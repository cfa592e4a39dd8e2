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


def test_embedded_default_stack_serves_the_journey(embedded_dev_stack):
    """No DATABASE_URL, REDIS_URL or AWS endpoint: SQLite, in-process Redis and moto."""
    stack = embedded_dev_stack
    health = requests.get(stack.url("/api/health"), timeout=10).json()
    assert health["status"] == "ok" and health["database"]["status"] == "ok"
    assert health["aws_endpoint"].startswith("http://127.0.0.1:")
    assert stack.log_path.parent.joinpath(".dev", "videoflix.sqlite3").exists()
    browser = requests.Session()
    browser.headers.update({"Origin": ORIGIN})
    email = "embedded@example.com"
    assert browser.post(stack.url("/api/register/"), json={
        "email": email, "password": "embedded-pass-1", "confirmed_password": "embedded-pass-1"}).status_code == 201
    assert browser.post(stack.url("/api/password_reset/"), json={"email": "ghost@example.com"}).status_code == 200
    mail = stack.wait_for_email(email, "Confirm your email")
    assert set(mail) == {"to", "subject", "text", "html", "sent_at"}
    emails = stack.emails()
    assert [m["sent_at"] for m in emails] == sorted(m["sent_at"] for m in emails)  # oldest first
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)", mail["text"]).groups()
    assert browser.get(stack.url(f"/api/activate/{uid}/{token}")).status_code == 200
    assert browser.post(stack.url("/api/login"), json={"email": email, "password": "embedded-pass-1"}).status_code == 200
    admin = requests.post(stack.url("/api/login/"), json={"email": "admin@videoflix.local",
                                                         "password": "e2e-admin-password"}, timeout=10)
    assert admin.status_code == 200  # the staff user from ADMIN_EMAIL / ADMIN_PASSWORD
    assert requests.get(stack.url("/nothing"), timeout=10).json() == {"detail": "Not found."}
