"""HTTP client of the Videoflix API for the command line: JSON calls, login, token refresh.

The API authenticates the CLI with `Authorization: Bearer <access>`; the login and refresh
routes hand tokens out as cookies (as they do to browsers), so they are read from Set-Cookie.
"""
from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from videoflix_tools.cli.credentials import Credentials, CredentialStore
from videoflix_tools.cli.errors import CommandFailed

TIMEOUT = 30
USER_AGENT = "videoflix-cli"
ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"


class ApiError(CommandFailed):
    """The API answered, and refused (4xx) or failed (5xx)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def cookies(self) -> dict[str, str]:
        """Cookie name -> value of every Set-Cookie header."""
        found = {}
        for name, value in self.headers:
            if name.lower() == "set-cookie":
                cookie_name, _, cookie_value = value.split(";", 1)[0].partition("=")
                found[cookie_name.strip()] = cookie_value.strip()
        return found


def normalize_api_url(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise CommandFailed(f"--api must be an http(s) URL such as http://127.0.0.1:8000, got {url!r}")
    return url


def send(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = TIMEOUT) -> HttpAnswer:
    """One HTTP exchange; any status is an answer, only a transport failure raises (OSError)."""
    request = urllib.request.Request(url, data=body, method=method,
                                     headers={"User-Agent": USER_AGENT, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return HttpAnswer(response.status, list(response.headers.items()), response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpAnswer(exc.code, list(exc.headers.items()), exc.read())


def transport_reason(exc: BaseException) -> str:
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "no answer in time"
    return getattr(reason, "strerror", None) or str(reason) or type(reason).__name__


def describe_refusal(status: int, body: Any) -> str:
    """The API's own words for a 4xx/5xx: its `detail`, or each field with its messages."""
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        message = body["detail"]
    elif isinstance(body, dict) and body:
        message = "; ".join(f"{field}: {' '.join(map(str, problems)) if isinstance(problems, list) else problems}"
                            for field, problems in body.items())
    else:
        message = "no details given"
    return f"the API answered {status}: {message}"


class ApiClient:
    """Calls on behalf of a logged-in admin; renews the access token once when it has expired."""

    def __init__(self, credentials: Credentials, store: CredentialStore, timeout: float = TIMEOUT) -> None:
        self.credentials = credentials
        self.store = store
        self.timeout = timeout
        # Refresh tokens are single-use: two threads refreshing at once would look like theft.
        self._refresh_lock = threading.Lock()

    @property
    def api(self) -> str:
        return self.credentials.api

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, body)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        access = self.credentials.access
        answer = self._send(method, path, body, access)
        if answer.status == 401:
            self._refresh(access)
            answer = self._send(method, path, body, self.credentials.access)
            if answer.status == 401:
                raise ApiError(401, describe_refusal(401, answer.json()) + "; run `videoflix login` again")
        if answer.status >= 400:
            raise ApiError(answer.status, describe_refusal(answer.status, answer.json()))
        return answer.json()

    def _send(self, method: str, path: str, body: Any, access: str,
              extra_headers: dict[str, str] | None = None) -> HttpAnswer:
        headers = {"Accept": "application/json", "Authorization": f"Bearer {access}", **(extra_headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        return call(self.api, method, path, data, headers, self.timeout)

    def _refresh(self, expired_access: str) -> None:
        with self._refresh_lock:
            if self.credentials.access != expired_access:
                return  # another thread has renewed it meanwhile
            answer = call(self.api, "POST", "/api/token/refresh/", None,
                          {"Cookie": f"{REFRESH_COOKIE}={self.credentials.refresh}"}, self.timeout)
            cookies = answer.cookies()
            if answer.status != 200 or not cookies.get(ACCESS_COOKIE) or not cookies.get(REFRESH_COOKIE):
                reason = describe_refusal(answer.status, answer.json())
                raise ApiError(401, f"your login has expired ({reason}); run "
                                    f"`videoflix login --api {self.api} --email {self.credentials.email}` again")
            self.credentials = replace(self.credentials, access=cookies[ACCESS_COOKIE],
                                       refresh=cookies[REFRESH_COOKIE])
            self.store.save(self.credentials)


def call(api: str, method: str, path: str, data: bytes | None, headers: dict[str, str],
         timeout: float = TIMEOUT) -> HttpAnswer:
    """`send` to a route of the API, with a transport failure told as the user can act on it."""
    try:
        return send(method, f"{api}{path}", body=data, headers=headers, timeout=timeout)
    except OSError as exc:  # URLError, refused, reset, timeout
        raise CommandFailed(f"cannot reach the Videoflix API at {api} ({transport_reason(exc)}); "
                            "is it running? Locally, `make dev` starts it") from None


def login(api: str, email: str, password: str) -> Credentials:
    body = json.dumps({"email": email, "password": password}).encode()
    answer = call(api, "POST", "/api/login/", body, {"Content-Type": "application/json",
                                                     "Accept": "application/json"})
    if answer.status in {400, 401}:
        raise CommandFailed(f"login refused for {email}: wrong email or password, or the account is "
                            f"not activated ({describe_refusal(answer.status, answer.json())})")
    if answer.status == 404:
        raise CommandFailed(f"no Videoflix login at {api}/api/login/ (404); --api takes the base URL, "
                            "without /api")
    if answer.status >= 400:
        raise ApiError(answer.status, describe_refusal(answer.status, answer.json()))
    cookies = answer.cookies()
    if not cookies.get(ACCESS_COOKIE) or not cookies.get(REFRESH_COOKIE):
        raise CommandFailed(f"{api} answered the login without tokens; is it a Videoflix API?")
    return Credentials(api=api, email=email, access=cookies[ACCESS_COOKIE], refresh=cookies[REFRESH_COOKIE])


def logout(credentials: Credentials) -> None:
    """Revoke the refresh token; a token the API already refuses needs no revoking."""
    answer = call(credentials.api, "POST", "/api/logout/", None,
                  {"Cookie": f"{REFRESH_COOKIE}={credentials.refresh}", "Accept": "application/json"})
    if answer.status >= 400 and answer.status not in {400, 401}:
        raise ApiError(answer.status, describe_refusal(answer.status, answer.json()))
