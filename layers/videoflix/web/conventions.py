"""The HTTP conventions every Videoflix API follows, applied to a Chalice app.

The app object and its Response class are passed in, so this module never imports
Chalice (the layer stays framework-free). It gives each app:
- routes whose domain errors become JSON answers through `error_response` (one table);
- preflight answers, CORS for the allowed origins with credentials, CSRF refusal of
  cross-site writes, a body size limit before parsing, security headers;
- JSON instead of Chalice's own error shape (405, 415, 500).
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable

from videoflix.coldstart import collector_paused
from videoflix.errors import VideoflixError
from videoflix.observability import metrics
from videoflix.observability.logs import log_context
from videoflix.settings import Settings
from videoflix.web.cookies import parse_cookie_header
from videoflix.web.cors import cors_headers, is_cross_site_write, preflight_headers
from videoflix.web.requests import parse_json_object
from videoflix.web.responses import INTERNAL_ERROR, ApiResponse, detail, error_response

log = logging.getLogger("videoflix.web")

_STATUS_TEXT = {405: "Method not allowed.", 415: "Unsupported media type.", 400: "Bad request.",
                500: INTERNAL_ERROR}


class ApiConventions:
    def __init__(self, app: Any, response_class: type, settings: Callable[[], Settings]) -> None:
        self.app = app
        self._response_class = response_class
        self._settings = settings
        # Routes that take larger bodies than MAX_BODY_BYTES (a caption file): template -> bytes.
        self._body_limits: dict[str, int] = {}
        self._first_request_served = False
        app.register_middleware(self._http_middleware, "http")

    # -- routes -----------------------------------------------------------------------
    def route(self, path: str, methods: list[str], max_body_bytes: int | None = None,
              content_types: list[str] | None = None) -> Callable:
        """Register a view; its ApiResponse or domain error is turned into a response.
        `max_body_bytes`: this route's body limit, instead of MAX_BODY_BYTES; `content_types`: the
        request types Chalice lets through, instead of its application/json."""
        if max_body_bytes is not None:
            self._body_limits[path] = max_body_bytes

        def decorator(view: Callable[..., ApiResponse]) -> Callable:
            @functools.wraps(view)
            def run_view(**kwargs: str) -> Any:
                try:
                    result = view(**kwargs)
                except VideoflixError as exc:
                    result = error_response(exc)
                    if result.status == 429:
                        metrics.emit(metrics.THROTTLED, 1, Action=view.__name__)
                except Exception:
                    log.exception("unhandled error in %s", view.__name__)
                    result = detail(500, INTERNAL_ERROR)
                return self.to_native(result)

            extra = {"content_types": content_types} if content_types else {}
            self.app.route(path, methods=methods, **extra)(run_view)
            return view
        return decorator

    def to_native(self, response: ApiResponse) -> Any:
        headers: dict[str, Any] = {"Content-Type": response.content_type, **response.headers}
        if response.cookies:
            headers["Set-Cookie"] = list(response.cookies)
        return self._response_class(body=response.encoded_body(), status_code=response.status,
                                    headers=headers)

    # -- request access -----------------------------------------------------------------
    @property
    def request(self) -> Any:
        return self.app.current_request

    def json_body(self) -> dict[str, Any]:
        return parse_json_object(self.request.raw_body, max_bytes=self._body_limit(self.request, self._settings()))

    def _body_limit(self, request: Any, settings: Settings) -> int:
        if self._body_limits:
            template = (request.context or {}).get("resourcePath")
            if template in self._body_limits:
                return max(self._body_limits[template], settings.max_body_bytes)
        return settings.max_body_bytes

    def cookies(self) -> dict[str, str]:
        return parse_cookie_header(self.request.headers.get("cookie"))

    def bearer_token(self) -> str | None:
        header = self.request.headers.get("authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return token.strip() or None

    def access_token(self) -> str | None:
        """The access JWT from `Authorization: Bearer` (CLI) or the access_token cookie (browser)."""
        return self.bearer_token() or self.cookies().get("access_token") or None

    def public_base_url(self) -> str:
        """The API's own base URL, from settings, else as API Gateway received the request."""
        configured = self._settings().api_base_url
        if configured:
            return configured.rstrip("/")
        context = self.request.context or {}
        return f"https://{context.get('domainName', 'localhost')}/{context.get('stage', '')}".rstrip("/")

    def client_ip(self) -> str:
        """The caller's address as API Gateway saw it (never a spoofable header)."""
        context = self.request.context or {}
        return (context.get("identity") or {}).get("sourceIp") or "unknown"

    # -- middleware ---------------------------------------------------------------------
    def _http_middleware(self, request: Any, get_response: Callable) -> Any:
        # Every log line of this request carries API Gateway's request id (docs/operations.md).
        with log_context(request_id=(request.context or {}).get("requestId"), video_id=None, user_id=None):
            if self._first_request_served:
                return self._handle(request, get_response)
            # The first request finishes the cold start: it imports the libraries its route needs (redis-py,
            # the database driver, bcrypt), which the collector would walk again and again as it does a
            # handler's imports (videoflix.coldstart).
            self._first_request_served = True
            with collector_paused():
                return self._handle(request, get_response)

    def _handle(self, request: Any, get_response: Callable) -> Any:
        settings = self._settings()
        origin = request.headers.get("origin")
        allowed = settings.cors_allowed_origins
        if request.method == "OPTIONS":
            response = self.to_native(ApiResponse(200, {"detail": "ok"},
                                                  headers=preflight_headers(origin, allowed)))
        elif is_cross_site_write(request.method, origin, allowed):
            response = self.to_native(detail(403, "Cross-site request refused: origin not allowed."))
        elif len(request.raw_body or b"") > self._body_limit(request, settings):
            response = self.to_native(detail(413, "The request body is too large."))
        else:
            response = get_response(request)
            self._replace_framework_error(response)
            for name, value in cors_headers(origin, allowed).items():
                response.headers.setdefault(name, value)
        self._add_security_headers(response, settings)
        return response

    def _replace_framework_error(self, response: Any) -> None:
        body = response.body
        if isinstance(body, dict) and set(body) == {"Code", "Message"}:
            text = _STATUS_TEXT.get(response.status_code, body["Message"])
            if response.status_code == 405:
                text = f"{body['Message']}."
            response.body = {"detail": text}
            response.headers["Content-Type"] = "application/json"
        elif response.status_code >= 500 and not isinstance(body, (dict, list)) and \
                "json" not in response.headers.get("Content-Type", ""):
            # A traceback (debug mode) must never reach a client.
            response.body = {"detail": INTERNAL_ERROR}
            response.headers["Content-Type"] = "application/json"

    @staticmethod
    def _add_security_headers(response: Any, settings: Settings) -> None:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        if not settings.is_dev:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
