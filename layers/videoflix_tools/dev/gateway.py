"""API Gateway (REST, v1 proxy) emulation: routes HTTP requests to Chalice apps as Lambda would.

Each request becomes the same event API Gateway sends (`requestContext.resourcePath` set to
the matched route template), so the apps run exactly their Lambda code path.
"""
from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from videoflix.web.cors import cors_headers
from videoflix_tools.functions import LocalContext
from http import HTTPStatus

TEXT_TYPES = ("application/json", "text/", "application/vnd.apple.mpegurl", "application/x-www-form")


@dataclass(frozen=True)
class _Route:
    template: str
    pattern: re.Pattern
    params: tuple[str, ...]
    app: Any
    literal_segments: int


@dataclass
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _compile(template: str) -> tuple[re.Pattern, tuple[str, ...]]:
    params: list[str] = []
    parts = []
    for segment in template.strip("/").split("/"):
        match = re.fullmatch(r"\{(\w+)\}", segment)
        if match:
            params.append(match.group(1))
            parts.append(r"([^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("^/" + "/".join(parts) + "$"), tuple(params)


class LocalApiGateway:
    def __init__(self, apps: list[Any], stage: str = "api", host: str = "127.0.0.1:8000",
                 cors_origins: tuple[str, ...] = ()) -> None:
        routes = []
        for app in apps:
            for template in app.routes:
                pattern, params = _compile(template)
                literal = sum(1 for s in template.split("/") if s and not s.startswith("{"))
                routes.append(_Route(template, pattern, params, app, literal))
        # API Gateway prefers literal path parts over variables.
        self._routes = sorted(routes, key=lambda r: -r.literal_segments)
        # Chalice keeps the current request on the app object: one request per app at a time,
        # as in Lambda where one instance serves one event.
        self._locks = {id(app): threading.Lock() for app in apps}
        self.stage = stage
        self.cors_origins = cors_origins
        self.host = host
        # Dev-only pages beside the API: path -> handler(headers, query string).
        self.extra_routes: dict[str, Callable[[list[tuple[str, str]], str], GatewayResponse]] = {}

    def match(self, path: str) -> tuple[_Route, dict[str, str]] | None:
        normalized = path.rstrip("/") or "/"
        for route in self._routes:
            found = route.pattern.match(normalized)
            if found:
                values = {name: unquote(value) for name, value in zip(route.params, found.groups())}
                return route, values
        return None

    def handle(self, method: str, path: str, query: str, headers: list[tuple[str, str]],
               body: bytes, source_ip: str = "127.0.0.1") -> GatewayResponse:
        if path in self.extra_routes or path.rstrip("/") in self.extra_routes:
            return self.extra_routes.get(path, self.extra_routes.get(path.rstrip("/")))(headers, query)
        found = self.match(path)
        if found is None:
            # As template.yaml's GatewayResponses: JSON with CORS headers, not API Gateway's default.
            origin = next((v for k, v in headers if k.lower() == "origin"), None)
            return GatewayResponse(404, [("Content-Type", "application/json"),
                                         *cors_headers(origin, self.cors_origins).items()],
                                   json.dumps({"detail": "Not found."}).encode())
        route, params = found
        event = self.build_event(route.template, method, path, query, headers, body, source_ip, params)
        with self._locks[id(route.app)]:
            result = route.app(event, LocalContext(route.app.app_name, timeout_seconds=30, memory_mb=1024))
        return _from_lambda(result)

    def build_event(self, template: str, method: str, path: str, query: str,
                    headers: list[tuple[str, str]], body: bytes, source_ip: str,
                    params: dict[str, str]) -> dict[str, Any]:
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers:
            multi_headers.setdefault(name.lower(), []).append(value)
        query_values = parse_qs(query, keep_blank_values=True) if query else None
        is_text = _looks_textual(multi_headers.get("content-type", [""])[-1]) if body else True
        return {
            "resource": template,
            "path": path,
            "httpMethod": method,
            "headers": {k: v[-1] for k, v in multi_headers.items()},
            "multiValueHeaders": multi_headers,
            "queryStringParameters": {k: v[-1] for k, v in query_values.items()} if query_values else None,
            "multiValueQueryStringParameters": query_values or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": template, "httpMethod": method, "path": f"/{self.stage}{path}",
                "stage": self.stage, "requestId": uuid.uuid4().hex, "apiId": "local",
                "domainName": multi_headers.get("host", [self.host])[-1],
                "identity": {"sourceIp": source_ip, "userAgent": multi_headers.get("user-agent", [""])[-1]},
            },
            "body": (body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode())
            if body else None,
            "isBase64Encoded": bool(body) and not is_text,
        }


def _looks_textual(content_type: str) -> bool:
    return any(content_type.startswith(t) for t in TEXT_TYPES) or not content_type


def _from_lambda(result: dict[str, Any]) -> GatewayResponse:
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, value))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, v) for v in values)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return GatewayResponse(int(result["statusCode"]), headers, data)


def wsgi_app(gateway: LocalApiGateway) -> Callable:
    """A WSGI application in front of the gateway (served by werkzeug in the dev stack)."""
    def application(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items()
                   if key.startswith("HTTP_")]
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers.append((key.replace("_", "-").title(), environ[key]))
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        path = raw_path.split("?", 1)[0] if raw_path else environ.get("PATH_INFO", "/")
        response = gateway.handle(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""),
                                  headers, body, environ.get("REMOTE_ADDR", "127.0.0.1"))
        start_response(f"{response.status} {_reason(response.status)}", response.headers)
        return [response.body]
    return application


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
