"""The embedded AWS endpoint of `make dev`: moto's server, answering CORS the way S3 does.

Our buckets' CORS rules name the allowed origins, and for such a rule S3 (and LocalStack)
answer with the origin and `Access-Control-Allow-Credentials: true`, and say nothing to
other origins. moto 5 differs twice: it never sends the credentials header (so hls.js with
`withCredentials`, as the shared Videoflix frontend uses it, cannot load segments), and its
server wraps every service in flask-cors, which echoes any origin at all. The middleware
below restores S3's answer for the origins the stack provisions its buckets with. moto also
never checks presigned signatures: `VerifyPresignedWrites` (videoflix_tools.dev.s3_presigned)
does it for presigned writes, so a signed bound (a poster upload's Content-Length) holds here too.

moto also notifies a completed multipart upload twice: it stores the object as a PUT would
(`ObjectCreated:Put`), then sends S3's own `ObjectCreated:CompleteMultipartUpload`. Every
upload reached the transcode queue twice, and the transcoder logged the second as a duplicate.
`one_event_per_multipart_upload` keeps S3's one event (tests/integration/test_dev_s3_events.py).
"""
from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable

from videoflix_tools.dev.s3_disk import PersistRequests, attach_disk_store
from videoflix_tools.dev.s3_presigned import VerifyPresignedWrites
from videoflix_tools.dev.serving import serve_in_background

ORIGIN_HEADERS = ("access-control-allow-origin", "access-control-allow-credentials")


class S3CorsCredentials:
    """WSGI middleware: CORS with credentials for `allowed_origins`, no CORS for anyone else."""

    def __init__(self, app: Callable, allowed_origins: Iterable[str]) -> None:
        self.app = app
        self.allowed_origins = frozenset(origin.rstrip("/") for origin in allowed_origins)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN", "").rstrip("/")

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            if origin:
                allowed = origin in self.allowed_origins
                answered = any(name.lower() == "access-control-allow-origin" for name, _ in headers)
                headers = [(name, value) for name, value in headers if name.lower() not in ORIGIN_HEADERS]
                if allowed and answered:
                    headers += [("Access-Control-Allow-Origin", origin),
                                ("Access-Control-Allow-Credentials", "true")]
                    if not any(name.lower() == "vary" for name, _ in headers):
                        headers.append(("Vary", "Origin"))
            return start_response(status, headers, exc_info)
        return self.app(environ, start)


def one_event_per_multipart_upload(backend: Any) -> None:
    """A completed multipart upload notifies `ObjectCreated:CompleteMultipartUpload` alone, as S3 does.

    Patches this one moto S3 backend instance (never moto's classes): while it completes an
    upload, the PUT it stores the object with sends no event of its own.
    """
    if getattr(backend, "videoflix_one_event_per_upload", False):
        return
    completing = threading.local()
    put_object, complete_multipart_upload = backend.put_object, backend.complete_multipart_upload

    def put_object_in_completion_quietly(*args: Any, **kwargs: Any) -> Any:
        if getattr(completing, "active", False):
            kwargs["disable_notification"] = True
        return put_object(*args, **kwargs)

    def complete_with_one_event(*args: Any, **kwargs: Any) -> Any:
        completing.active = True
        try:
            return complete_multipart_upload(*args, **kwargs)
        finally:
            completing.active = False

    backend.put_object = put_object_in_completion_quietly
    backend.complete_multipart_upload = complete_with_one_event
    backend.videoflix_one_event_per_upload = True


def start_moto_server(host: str, port: int, allowed_origins: Iterable[str] | None,
                      s3_folder: str | os.PathLike | None = None) -> tuple[str, Callable[[], None]]:
    """moto's server app (as ThreadedMotoServer builds it) behind the middleware; returns (url, stop).

    With `s3_folder`, S3 objects live in files there and what an earlier run left is loaded
    first (videoflix_tools.dev.s3_disk); without it, moto keeps them in memory, as it does alone.
    `allowed_origins` None leaves moto's CORS answers as they are (the integration tests' endpoint).
    """
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.s3.models import s3_backends
    from werkzeug.serving import make_server

    one_event_per_multipart_upload(s3_backends[DEFAULT_ACCOUNT_ID]["aws"])
    app: Callable = DomainDispatcherApplication(create_backend_app)
    if s3_folder is not None:
        app = PersistRequests(app, attach_disk_store(s3_folder))
    app = VerifyPresignedWrites(app)
    if allowed_origins is not None:
        app = S3CorsCredentials(app, allowed_origins)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    return f"http://{host}:{server.server_port}", serve_in_background(server, "embedded-aws")
