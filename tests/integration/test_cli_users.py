"""`videoflix users create` and `videoflix migrate` against the configured database."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from videoflix.db.models import User
from videoflix.settings import settings_to_environ
from videoflix_tools.cli.main import main

pytestmark = pytest.mark.integration


@pytest.fixture
def cli_environment(services, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in settings_to_environ(services.settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("VIDEOFLIX_PASSWORD", raising=False)
    return monkeypatch


def test_users_create_reads_the_password_from_stdin(cli_environment, services, capsys, client):
    cli_environment.setattr("sys.stdin", io.StringIO("staff-password-1\n"))
    assert main(["users", "create", "Boss@Example.com", "--staff"]) == 0
    assert "boss@example.com" in capsys.readouterr().out
    with services.db.session() as session:
        user = session.scalars(select(User)).one()
        assert (user.email, user.is_active, user.is_staff) == ("boss@example.com", True, True)
    assert client.post("/api/login/", {"email": "boss@example.com", "password": "staff-password-1"}).status == 200


def test_users_create_is_recorded_in_the_staff_history(cli_environment, services, capsys, client):
    cli_environment.setattr("sys.stdin", io.StringIO("staff-password-1\n"))
    assert main(["users", "create", "boss@example.com", "--staff"]) == 0
    cli_environment.setattr("sys.stdin", io.StringIO("another-password-2\n"))
    assert main(["users", "create", "boss@example.com"]) == 0  # a new password for the same account
    with services.db.session() as session:
        user_id = session.scalars(select(User.id)).one()
    login = client.post("/api/login/", {"email": "boss@example.com", "password": "another-password-2"})
    assert login.status == 200
    rows = client.get("/api/admin/history/?page_size=100").json["items"]
    assert [(r["action"], r["target_id"]) for r in rows] == [("user.password", str(user_id)),
                                                             ("user.create", str(user_id))]
    created = rows[1]
    assert created["actor"].startswith("operator:")
    assert created["changes"]["email"] == [None, "boss@example.com"]
    assert created["changes"]["is_staff"] == [None, True] and created["changes"]["password"] == [None, "set"]


def test_users_create_from_the_environment_and_weak_password(cli_environment, capsys):
    cli_environment.setenv("VIDEOFLIX_PASSWORD", "short")
    assert main(["users", "create", "someone@example.com"]) == 1
    assert "too short" in capsys.readouterr().err


def test_migrate_is_idempotent(cli_environment, capsys):
    assert main(["migrate"]) == 0
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_bad_settings_give_one_clear_line(cli_environment, capsys):
    cli_environment.setenv("BCRYPT_ROUNDS", "many")
    assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("videoflix: error: BCRYPT_ROUNDS must be a whole number") and "Traceback" not in err
