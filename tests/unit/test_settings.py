import pytest

from videoflix.settings import (DEV_SECRET_KEY, ENVIRONMENT_VARIABLES, SettingsError, load_settings,
                                read_dotenv, settings_to_environ)

STRONG = "s" * 48


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
    settings = load_settings({"VIDEOFLIX_ENV": environment, "SECRET_KEY": STRONG})
    assert settings.cookie_secure is True  # on by default outside dev


@pytest.mark.parametrize("name,value,message", [
    ("BCRYPT_ROUNDS", "abc", "whole number"), ("COOKIE_SECURE", "maybe", "true or false"),
    ("VIDEOFLIX_ENV", "qa", "VIDEOFLIX_ENV"), ("BCRYPT_ROUNDS", "40", "between"),
    ("ACCESS_TOKEN_LIFETIME", "0", "positive"), ("UPLOAD_PART_SIZE", "1024", "5 MiB"),
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
    settings = load_settings({"VIDEOFLIX_ENV": "prod", "SECRET_KEY": STRONG, "COOKIE_SECURE": "false",
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
