"""`videoflix dev` serves /dev/emails (every activation and reset link) only on loopback unless told otherwise."""
from __future__ import annotations

import socket

import pytest

from videoflix_tools.cli.main import main
from videoflix_tools.dev.stack import DevHostRefused, check_dev_host


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts_are_served_as_they_are(host):
    check_dev_host(host, expose_dev_emails=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.5", "devbox.example.com", ""])
def test_a_network_host_is_refused_unless_the_mailbox_is_exposed_on_purpose(host):
    with pytest.raises(DevHostRefused) as refused:
        check_dev_host(host, expose_dev_emails=False)
    message = str(refused.value)
    assert "/dev/emails" in message and "--host 127.0.0.1" in message and "--expose-dev-emails" in message
    check_dev_host(host, expose_dev_emails=True)


@pytest.fixture
def empty_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("VIDEOFLIX_ENV", "DATABASE_URL", "REDIS_URL", "AWS_ENDPOINT_URL", "BCRYPT_ROUNDS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_cli_refuses_0_0_0_0_with_what_to_do_before_starting_anything(empty_folder, capsys):
    port = _free_port()
    code = main(["dev", "--host", "0.0.0.0", "--port", str(port), "--player-port", "0", "--no-seed"])
    assert code == 1
    error = capsys.readouterr().err
    assert error.startswith("videoflix: error: ") and "--expose-dev-emails" in error and "Traceback" not in error
    assert not (empty_folder / ".dev").exists()  # no database created, nothing provisioned
    with socket.socket() as sock:
        sock.bind(("0.0.0.0", port))  # the API's port is still free: nothing was served


def test_the_cli_passes_expose_dev_emails_on_and_reports_bad_settings_in_one_line(empty_folder, capsys,
                                                                                  monkeypatch):
    # With the flag the host rule lets 0.0.0.0 through; the next check, the settings, stops the start.
    monkeypatch.setenv("BCRYPT_ROUNDS", "40")
    code = main(["dev", "--host", "0.0.0.0", "--expose-dev-emails", "--port", str(_free_port()),
                 "--player-port", "0", "--no-seed"])
    assert code == 1
    error = capsys.readouterr().err
    assert "BCRYPT_ROUNDS must be between 4 and 16" in error and "--expose-dev-emails" not in error
    assert "Traceback" not in error


def test_a_refused_host_leaves_the_data_alone_even_with_reset(empty_folder, capsys):
    kept = empty_folder / ".dev" / "videoflix.sqlite3"
    kept.parent.mkdir()
    kept.write_bytes(b"films")
    code = main(["dev", "--host", "0.0.0.0", "--reset", "--port", str(_free_port()), "--player-port", "0",
                 "--no-seed"])
    assert code == 1
    assert "--expose-dev-emails" in capsys.readouterr().err
    assert kept.read_bytes() == b"films"
