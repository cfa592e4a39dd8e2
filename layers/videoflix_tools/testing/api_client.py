"""An HTTP-ish client over the local API gateway, with a cookie jar like a browser's (tests and benches)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

FRONTEND_ORIGIN = "http://127.0.0.1:5500"


@dataclass
class ApiResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()

    def header(self, name: str) -> str | None:
        values = self.all_headers(name)
        return values[-1] if values else None

    def all_headers(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def set_cookies(self) -> dict[str, str]:
        """Cookie name -> the whole Set-Cookie value."""
        return {value.split("=", 1)[0]: value for value in self.all_headers("Set-Cookie")}


@dataclass
class ApiClient:
    gateway: Any
    origin: str | None = FRONTEND_ORIGIN
    source_ip: str = "203.0.113.7"
    cookies: dict[str, str] = field(default_factory=dict)
    # Sent with every request, e.g. the Host a bench names.
    default_headers: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, json_body: Any = None, *, raw: bytes | None = None,
                headers: dict[str, str] | None = None, send_cookies: bool = True,
                store_cookies: bool = True) -> ApiResult:
        request_headers = {"Content-Type": "application/json", **self.default_headers}
        if self.origin:
            request_headers["Origin"] = self.origin
        if send_cookies and self.cookies:
            request_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request_headers.update(headers or {})
        body = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else b"")
        path, _, query = path.partition("?")
        response = self.gateway.handle(method, path, query, list(request_headers.items()), body,
                                       self.source_ip)
        result = ApiResult(response.status, response.headers, response.body)
        if store_cookies:
            self._store_cookies(result)
        return result

    def expect(self, status: int, method: str, path: str, json_body: Any = None) -> ApiResult:
        """The request's answer, or RuntimeError when its status is another (benches run without pytest)."""
        result = self.request(method, path, json_body)
        if result.status != status:
            raise RuntimeError(f"{method} {path}: {result.status} {result.body[:300]!r}")
        return result

    def _store_cookies(self, result: ApiResult) -> None:
        for name, value in result.set_cookies().items():
            first = value.split(";", 1)[0]
            if "Max-Age=0" in value:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = first.split("=", 1)[1]

    def get(self, path: str, **kwargs) -> ApiResult:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs) -> ApiResult:
        return self.request("POST", path, json_body, **kwargs)

    def delete(self, path: str, **kwargs) -> ApiResult:
        return self.request("DELETE", path, **kwargs)
