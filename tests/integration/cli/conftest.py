"""The `videoflix` CLI against the API gateway served over real HTTP, with a private config dir."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from videoflix.auth.service import create_user
from videoflix_tools.cli.main import main
from videoflix_tools.dev.gateway import wsgi_app

STAFF_EMAIL = "admin@example.com"
STAFF_PASSWORD = "admin-password-1"
PART_SIZE = 5 * 1024 * 1024  # the S3 minimum, so a few-MiB file has several parts


class QuietHandler(WSGIRequestHandler):
    """No access log: the tests read the CLI's standard error."""

    def log(self, type, message, *args) -> None:
        pass


@pytest.fixture
def api_url(gateway):
    server = make_server("127.0.0.1", 0, wsgi_app(gateway), threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="cli-test-api")
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    directory = tmp_path / "videoflix-config"
    monkeypatch.setenv("VIDEOFLIX_CONFIG_DIR", str(directory))
    monkeypatch.delenv("VIDEOFLIX_PASSWORD", raising=False)
    return directory


@pytest.fixture(autouse=True)
def no_retry_waits(monkeypatch):
    monkeypatch.setattr("videoflix_tools.cli.uploader.RETRY_DELAYS", (0.0, 0.0))


@dataclass
class CliResult:
    code: int
    out: str
    err: str


def one_line_error(result: CliResult) -> str:
    """The error line of a failed command, asserting that it is the only thing on standard error."""
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("videoflix: error: "), result.err
    return lines[0]


@pytest.fixture
def videoflix(capsys):
    """Run the console script's main() in-process; returns exit code, stdout and stderr."""
    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return CliResult(code, out, err)
    return run


@pytest.fixture
def staff_user(services):
    return create_user(services, STAFF_EMAIL, STAFF_PASSWORD, staff=True)


@pytest.fixture
def logged_in(staff_user, api_url, videoflix, monkeypatch):
    monkeypatch.setenv("VIDEOFLIX_PASSWORD", STAFF_PASSWORD)
    result = videoflix("login", "--api", api_url, "--email", STAFF_EMAIL)
    assert result.code == 0, result.err
    monkeypatch.delenv("VIDEOFLIX_PASSWORD")
    return staff_user


@pytest.fixture
def small_parts(services):
    services.settings = services.settings.with_overrides(upload_part_size=PART_SIZE)


@pytest.fixture
def film(tmp_path):
    """Random bytes after an MP4 `ftyp` box, named .mp4: 11 MiB, so three parts of 5 + 5 + 1 MiB."""
    import os

    path = tmp_path / "film.mp4"
    head = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    path.write_bytes(head + os.urandom(11 * 1024 * 1024 - len(head)))
    return path


@pytest.fixture
def part_puts(monkeypatch):
    """The part numbers PUT to S3, in order; `fail_parts` makes those parts fail once-and-for-all."""
    from urllib.parse import parse_qs, urlsplit

    import videoflix_tools.cli.uploader as uploader

    real_put = uploader.put_part
    recorder = PartRecorder()

    def recording_put(url, body, length, number):
        assert parse_qs(urlsplit(url).query)["partNumber"] == [str(number)]
        with recorder.lock:
            recorder.numbers.append(number)
        if number in recorder.fail_parts:
            # Let the parts that may succeed finish first, so what S3 holds is predictable.
            recorder.others_done.wait(10)
            raise recorder.error()
        etag = real_put(url, body, length, number)
        with recorder.lock:
            recorder.succeeded.add(number)
            if recorder.succeeded >= recorder.expected_successes:
                recorder.others_done.set()
        return etag

    monkeypatch.setattr(uploader, "put_part", recording_put)
    return recorder


def connection_reset() -> ConnectionResetError:
    return ConnectionResetError(104, "Connection reset by peer")


class PartRecorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.numbers: list[int] = []
        self.succeeded: set[int] = set()
        self.fail_parts: set[int] = set()
        self.expected_successes: set[int] = set()
        self.others_done = threading.Event()
        self.error: Callable[[], BaseException] = connection_reset

    def fail(self, failing: set[int], succeeding: set[int],
             error: Callable[[], BaseException] = connection_reset) -> None:
        """Make the `failing` parts raise `error` once the `succeeding` ones are in S3."""
        self.fail_parts, self.expected_successes, self.error = failing, succeeding, error
        if succeeding:
            self.others_done.clear()
        else:
            self.others_done.set()

    def reset(self) -> None:
        self.numbers.clear()
        self.succeeded.clear()
        self.fail(set(), set())
