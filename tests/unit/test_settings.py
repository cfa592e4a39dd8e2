import pytest

from videoflix.settings import (DEV_SECRET_KEY, ENVIRONMENT_VARIABLES, SettingsError, load_settings,
                                read_dotenv, settings_to_environ)

STRONG = "s" * 48
PRODUCTION = {"VIDEOFLIX_ENV": "prod", "SECRET_KEY": STRONG,
              "DATABASE_URL": "postgresql://videoflix:pw@db.internal:5432/videoflix",
              "REDIS_URL": "rediss://cache.internal:6379/0"}
# What Lambda puts in every function's environment for its execution role: temporary credentials.
LAMBDA_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "ASIAQEXAMPLEEXAMPLE7", "AWS_SECRET_ACCESS_KEY": "x" * 40,
                      "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjEXAMPLE" * 8}


def test_defaults_for_development():
    settings = load_settings({})
    assert settings.environment == "dev" and settings.is_dev
    assert settings.cookie_secure is False
    assert settings.access_token_lifetime == 1800 and settings.refresh_token_lifetime == 604800
    assert settings.bcrypt_rounds == 12
    assert settings.cors_allowed_origins == ("http://127.0.0.1:5500", "http://localhost:5500")
    assert settings.frontend_url == "http://127.0.0.1:5500"


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_refuses_to_start_outside_dev_with_the_default_or_a_weak_secret(environment):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"VIDEOFLIX_ENV": environment})
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"VIDEOFLIX_ENV": environment, "SECRET_KEY": DEV_SECRET_KEY})
    with pytest.raises(SettingsError, match="32 bytes"):
        load_settings({"VIDEOFLIX_ENV": environment, "SECRET_KEY": "short"})
    settings = load_settings({**PRODUCTION, "VIDEOFLIX_ENV": environment, "SECRET_KEY": STRONG})
    assert settings.cookie_secure is True  # on by default outside dev


@pytest.mark.parametrize("name,value,message", [
    ("BCRYPT_ROUNDS", "abc", "whole number"), ("COOKIE_SECURE", "maybe", "true or false"),
    ("VIDEOFLIX_ENV", "qa", "VIDEOFLIX_ENV"), ("BCRYPT_ROUNDS", "40", "between"),
    ("ACCESS_TOKEN_LIFETIME", "0", "positive"), ("UPLOAD_PART_SIZE", "1024", "5 MiB"),
    ("REFRESH_REUSE_GRACE", "61", "REFRESH_REUSE_GRACE"), ("REFRESH_REUSE_GRACE", "-1", "REFRESH_REUSE_GRACE"),
])
def test_bad_values_are_named_in_the_error(name, value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({name: value})


def test_lists_and_booleans_parse():
    settings = load_settings({"CORS_ALLOWED_ORIGINS": " https://a.example/ , https://b.example ,",
                              "COOKIE_SECURE": "yes"})
    assert settings.cors_allowed_origins == ("https://a.example", "https://b.example")
    assert settings.cookie_secure is True


def test_settings_survive_a_round_trip_through_the_environment():
    settings = load_settings({**PRODUCTION, "COOKIE_SECURE": "true",
                              "CORS_ALLOWED_ORIGINS": "https://a.example,https://b.example"})
    assert load_settings(settings_to_environ(settings)) == settings


def test_dotenv_reading(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# comment\nSECRET_KEY='quoted value'\nexport JWT_ISSUER=me\n\nBROKEN LINE\nEMPTY=\n")
    assert read_dotenv(str(path)) == {"SECRET_KEY": "quoted value", "JWT_ISSUER": "me", "EMPTY": ""}
    assert read_dotenv(str(tmp_path / "missing")) == {}


def test_every_variable_is_documented_in_env_template():
    from pathlib import Path

    template = (Path(__file__).resolve().parents[2] / ".env.template").read_text()
    documented = {line.split("=", 1)[0] for line in template.splitlines() if "=" in line and
                  not line.startswith("#")}
    assert set(ENVIRONMENT_VARIABLES) <= documented


def test_fanout_settings():
    settings = load_settings({"FANOUT_MIN_DURATION": "0", "FANOUT_CHUNK_SECONDS": "60",
                              "CHUNK_QUEUE_NAME": "chunks"})
    assert (settings.fanout_min_duration, settings.fanout_chunk_seconds, settings.chunk_queue_name) == (0, 60, "chunks")
    assert load_settings({}).fanout_min_duration == 120
    with pytest.raises(SettingsError, match="FANOUT_CHUNK_SECONDS"):
        load_settings({"FANOUT_CHUNK_SECONDS": "5"})
    with pytest.raises(SettingsError, match="FANOUT_MIN_DURATION"):
        load_settings({"FANOUT_MIN_DURATION": "-1"})


# --- issue 11: production refuses development defaults, all problems in one message ---

@pytest.mark.parametrize("environment", ["staging", "prod"])
@pytest.mark.parametrize("extra", [{}, LAMBDA_CREDENTIALS, {"COOKIE_SECURE": "true"},
                                   {"ADMIN_EMAIL": "ops@example.com"},
                                   {"AWS_ENDPOINT_URL": "https://sqs.eu-central-1.amazonaws.com"}])
def test_a_production_like_configuration_starts(environment, extra):
    settings = load_settings({**PRODUCTION, "VIDEOFLIX_ENV": environment, **extra})
    assert settings.environment == environment and not settings.is_dev
    assert settings.cookie_secure is True


@pytest.mark.parametrize("changes, variable, advice", [
    ({"DATABASE_URL": "sqlite:///data/videoflix.sqlite3"}, "DATABASE_URL", "postgresql://"),
    ({"DATABASE_URL": ""}, "DATABASE_URL", "postgresql://"),  # unset: the SQLite default
    ({"REDIS_URL": ""}, "REDIS_URL", "redis://"),
    ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY", "random secret"),
    ({"SECRET_KEY": ""}, "SECRET_KEY", "random secret"),
    ({"ADMIN_PASSWORD": "change-me-admin"}, "ADMIN_PASSWORD", "remove it"),
    ({"ADMIN_PASSWORD": "a-real-looking-passphrase-42"}, "ADMIN_PASSWORD", "remove it"),
    ({"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY": "y" * 40},
     "AWS_ACCESS_KEY_ID", "execution role"),
    ({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"},
     "AWS_ACCESS_KEY_ID", "execution role"),
    ({"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}, "AWS_ACCESS_KEY_ID", "execution role"),
    ({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, "AWS_ENDPOINT_URL", "unset"),
    ({"AWS_ENDPOINT_URL": "http://localhost:5000"}, "AWS_ENDPOINT_URL", "unset"),
    ({"AWS_ENDPOINT_URL": "http://localhost.localstack.cloud:4566"}, "AWS_ENDPOINT_URL", "unset"),
    ({"AWS_ENDPOINT_URL": "http://localstack:4566"}, "AWS_ENDPOINT_URL", "unset"),
    ({"AWS_PUBLIC_ENDPOINT_URL": "http://[::1]:4566"}, "AWS_PUBLIC_ENDPOINT_URL", "unset"),
    ({"COOKIE_SECURE": "false"}, "COOKIE_SECURE", "true"),
])
@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_each_development_default_is_refused_outside_dev(environment, changes, variable, advice):
    with pytest.raises(SettingsError) as refused:
        load_settings({**PRODUCTION, "VIDEOFLIX_ENV": environment, **changes})
    assert len(refused.value.problems) == 1, refused.value.problems
    [problem] = refused.value.problems
    assert variable in problem and advice in problem
    assert str(refused.value) == problem
    # The same values are fine for development.
    dev = {**PRODUCTION, "VIDEOFLIX_ENV": "dev", **changes}
    if dev["SECRET_KEY"] == "":
        dev.pop("SECRET_KEY")
    assert load_settings(dev).is_dev


def test_every_problem_is_listed_in_one_message():
    with pytest.raises(SettingsError) as refused:
        load_settings({"VIDEOFLIX_ENV": "prod", "COOKIE_SECURE": "false", "ADMIN_PASSWORD": "change-me-admin",
                       "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_ENDPOINT_URL": "http://127.0.0.1:4566", "BCRYPT_ROUNDS": "40"})
    message = str(refused.value)
    named = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "ADMIN_PASSWORD", "AWS_ACCESS_KEY_ID",
             "AWS_ENDPOINT_URL", "COOKIE_SECURE", "BCRYPT_ROUNDS")
    assert len(refused.value.problems) == len(named)
    for variable in named:
        assert variable in message
    assert message.startswith(f"{len(named)} problems in the settings")
    assert message.count("\n  - ") == len(named)


def test_the_development_stack_defaults_still_start():
    # make dev: SQLite, the in-process Redis, moto's dummy keys, the example admin, plain-HTTP cookies.
    settings = load_settings({"VIDEOFLIX_ENV": "dev", "ADMIN_PASSWORD": "change-me-admin",
                              "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                              "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    assert settings.is_dev and settings.database_url.startswith("sqlite") and settings.redis_url == ""


def test_checked_aws_credential_variables_are_documented_in_env_template():
    from pathlib import Path

    from videoflix.settings import CHECKED_ENVIRONMENT_VARIABLES

    template = (Path(__file__).resolve().parents[2] / ".env.template").read_text()
    assert set(CHECKED_ENVIRONMENT_VARIABLES) == {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
    lines = template.splitlines()
    for name in CHECKED_ENVIRONMENT_VARIABLES:
        assert any(line.startswith("#") and name in line for line in lines), name
        assert not any(line.startswith(f"{name}=") for line in lines), f"{name} must not be set in .env"


@pytest.mark.parametrize("variable, value", [("PLAYBACK_REPORT_INTERVAL_MS", "10"),
                                             ("PLAYBACK_BATCHES_PER_MINUTE", "-1"),
                                             ("PLAYBACK_RETENTION_DAYS", "1")])
def test_playback_insights_settings_are_checked(variable, value):
    with pytest.raises(SettingsError) as refused:
        load_settings({variable: value})
    assert variable in str(refused.value)


def test_playback_insights_can_be_switched_off():
    assert load_settings({}).playback_insights is True
    assert load_settings({"PLAYBACK_INSIGHTS": "false"}).playback_insights is False
