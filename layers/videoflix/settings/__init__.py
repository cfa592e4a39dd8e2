"""The one settings object of Videoflix, read once from the environment.

Every environment variable the project reads is declared here and only here, once, as a field
of its group (`groups.py`: name, type, default, one-line doc); its name is the field's name
upper-cased (`declare.VARIABLE_NAME_EXCEPTIONS` lists the exceptions). `.env.template` and the
README's settings table are checked against the declaration (tests/unit/test_settings_docs.py;
`python -m videoflix.settings --markdown` prints the table).

    declare.py      how a setting is declared, parsed and written back; SettingsError
    groups.py       the groups, each with its checks, and Settings, all of them flat
    environment.py  load_settings, `.env` reading, settings_to_environ
    docs.py         the README table and the `.env.template` check
"""
from videoflix.settings.declare import VARIABLE_NAME_EXCEPTIONS, SettingsError
from videoflix.settings.environment import (ENVIRONMENT_VARIABLES, load_settings, playback_problems,
                                            process_environment, production_problems, read_dotenv,
                                            settings_problems, settings_to_environ, validate_settings)
from videoflix.settings.groups import (CHECKED_ENVIRONMENT_VARIABLES, DEV_SECRET_KEY, DUMMY_AWS_CREDENTIALS,
                                       EMULATOR_HOSTS, EXAMPLE_ADMIN_PASSWORD, GROUPS, Settings,
                                       aws_credentials_kind)

__all__ = [
    "CHECKED_ENVIRONMENT_VARIABLES", "DEV_SECRET_KEY", "DUMMY_AWS_CREDENTIALS", "EMULATOR_HOSTS",
    "ENVIRONMENT_VARIABLES", "EXAMPLE_ADMIN_PASSWORD", "GROUPS", "Settings", "SettingsError",
    "VARIABLE_NAME_EXCEPTIONS", "aws_credentials_kind", "load_settings", "playback_problems",
    "process_environment", "production_problems", "read_dotenv", "settings_problems", "settings_to_environ",
    "validate_settings",
]
