"""The one settings object of Videoflix, read once from the environment.

Every environment variable the project reads is named here and only here, and
documented in `.env.template`.
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdef"
# The staff password .env.template ships for `make dev`.
EXAMPLE_ADMIN_PASSWORD = "change-me-admin"
# What moto (`testing`) and LocalStack (`test`) accept as keys; never real credentials.
DUMMY_AWS_CREDENTIALS = frozenset({"testing", "test"})
# Hosts of the AWS emulators the project runs against (besides loopback addresses).
EMULATOR_HOSTS = ("localhost", "localstack", "moto", "localhost.localstack.cloud")
# A DNS host name (CLOUDFRONT_DOMAIN): labels of letters, digits and hyphens, at least one dot.
_HOST_NAME = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)


class SettingsError(ValueError):
    """The environment holds a value the process cannot start with; `problems` lists every one found."""

    def __init__(self, message: str, problems: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[str, ...] = tuple(problems) or (message,)

    @classmethod
    def of(cls, problems: list[str]) -> "SettingsError":
        """One error for all `problems`: the problem itself if it is alone, else a list of them."""
        if len(problems) == 1:
            return cls(problems[0])
        listed = "".join(f"\n  - {problem}" for problem in problems)
        return cls(f"{len(problems)} problems in the settings:{listed}", problems)


def _as_bool(raw: str, name: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _as_int(raw: str, name: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _as_str(raw: str, name: str) -> str:
    return raw.strip()


def _as_list(raw: str, name: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    environment: str = "dev"
    secret_key: str = DEV_SECRET_KEY
    jwt_issuer: str = "videoflix"
    jwt_audience: str = "videoflix-api"
    access_token_lifetime: int = 30 * 60
    refresh_token_lifetime: int = 7 * 24 * 3600
    # Seconds in which a refresh token just replaced may be presented once more (two tabs at once); 0: never.
    refresh_reuse_grace: int = 5
    account_token_max_age: int = 24 * 3600
    bcrypt_rounds: int = 12
    cookie_secure: bool = True
    cors_allowed_origins: tuple[str, ...] = ("http://127.0.0.1:5500", "http://localhost:5500")
    frontend_url: str = "http://127.0.0.1:5500"
    api_base_url: str = ""
    database_url: str = "sqlite:///.dev/videoflix.sqlite3"
    redis_url: str = ""
    aws_endpoint_url: str = ""
    aws_public_endpoint_url: str = ""
    aws_region: str = "eu-central-1"
    mail_queue_name: str = "videoflix-mail"
    transcode_queue_name: str = "videoflix-transcode"
    chunk_queue_name: str = "videoflix-transcode-chunks"
    mail_sender: str = "noreply@videoflix.local"
    upload_bucket: str = "videoflix-uploads"
    media_bucket: str = "videoflix-media"
    # The EventBridge bus that gets Video Ready / Video Failed (videoflix.domain.video_events).
    event_bus_name: str = "videoflix-events"
    admin_email: str = ""
    admin_password: str = ""
    max_upload_bytes: int = 10 * 1024**3
    upload_part_size: int = 64 * 1024**2
    upload_url_ttl: int = 6 * 3600
    max_video_duration: int = 4 * 3600
    segment_url_margin: int = 2 * 3600
    playlist_cache_ttl: int = 15 * 60
    catalog_cache_ttl: int = 60
    transcode_time_budget: int = 840
    ffmpeg_preset: str = "veryfast"
    # Films at least this long (seconds) are cut into chunks encoded in parallel; 0: never.
    fanout_min_duration: int = 120
    fanout_chunk_seconds: int = 30
    fanout_audio_part_seconds: int = 300
    # Per-title caps (pipeline/pertitle.py): test encodes of a sample of every film choose how
    # far below its target bitrate each rung may go; off: every rung capped at its target.
    # Off by default: the trials cost up to 3.7x a short film's own encode (docs/encoding.md).
    per_title_trials: bool = False
    per_title_sample_seconds: int = 8
    max_body_bytes: int = 64 * 1024
    # Continue watching: at most one stored position per viewer and film this often (seconds); the
    # newest in between waits in Redis and is written with the next one (0: every report is written).
    watch_progress_interval: int = 5
    # Abuse limits (Redis fixed windows); 0 switches a limit off.
    login_failures_per_email: int = 10
    login_failures_per_ip: int = 100
    login_failure_window: int = 15 * 60
    registrations_per_email_hour: int = 5
    registrations_per_ip_hour: int = 30
    password_resets_per_email_hour: int = 5
    password_resets_per_ip_hour: int = 30
    # Who signs viewers' media URLs: s3 (presigned per object; dev, LocalStack, moto) or cloudfront
    # (one signed policy per film on the CloudFront distribution; videoflix.adapters.playback).
    playback_signer: str = "s3"
    cloudfront_domain: str = ""  # the distribution's host name, d111111abcdef8.cloudfront.net
    cloudfront_key_pair_id: str = ""  # the CloudFront public key's id (K...)
    cloudfront_private_key_secret: str = ""  # Secrets Manager name or ARN of the private key (PEM)
    # Which AWS credentials the environment holds (never the keys themselves; boto3 reads those):
    # none (the default chain: role, instance profile), temporary (with a session token, as
    # Lambda gives its execution role), static (long-term keys) or dummy (an emulator's testing/test).
    aws_credentials: str = "none"

    @property
    def is_dev(self) -> bool:
        return self.environment in {"dev", "test"}

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)


# name of the variable -> (field, parser)
_FIELDS: dict[str, tuple[str, Callable[[str, str], object]]] = {
    "VIDEOFLIX_ENV": ("environment", _as_str),
    "SECRET_KEY": ("secret_key", _as_str),
    "JWT_ISSUER": ("jwt_issuer", _as_str),
    "JWT_AUDIENCE": ("jwt_audience", _as_str),
    "ACCESS_TOKEN_LIFETIME": ("access_token_lifetime", _as_int),
    "REFRESH_TOKEN_LIFETIME": ("refresh_token_lifetime", _as_int),
    "REFRESH_REUSE_GRACE": ("refresh_reuse_grace", _as_int),
    "ACCOUNT_TOKEN_MAX_AGE": ("account_token_max_age", _as_int),
    "BCRYPT_ROUNDS": ("bcrypt_rounds", _as_int),
    "COOKIE_SECURE": ("cookie_secure", _as_bool),
    "CORS_ALLOWED_ORIGINS": ("cors_allowed_origins", _as_list),
    "FRONTEND_URL": ("frontend_url", _as_str),
    "API_BASE_URL": ("api_base_url", _as_str),
    "DATABASE_URL": ("database_url", _as_str),
    "REDIS_URL": ("redis_url", _as_str),
    "AWS_ENDPOINT_URL": ("aws_endpoint_url", _as_str),
    "AWS_PUBLIC_ENDPOINT_URL": ("aws_public_endpoint_url", _as_str),
    "AWS_REGION": ("aws_region", _as_str),
    "MAIL_QUEUE_NAME": ("mail_queue_name", _as_str),
    "TRANSCODE_QUEUE_NAME": ("transcode_queue_name", _as_str),
    "CHUNK_QUEUE_NAME": ("chunk_queue_name", _as_str),
    "MAIL_SENDER": ("mail_sender", _as_str),
    "UPLOAD_BUCKET": ("upload_bucket", _as_str),
    "MEDIA_BUCKET": ("media_bucket", _as_str),
    "EVENT_BUS_NAME": ("event_bus_name", _as_str),
    "ADMIN_EMAIL": ("admin_email", _as_str),
    "ADMIN_PASSWORD": ("admin_password", _as_str),
    "MAX_UPLOAD_BYTES": ("max_upload_bytes", _as_int),
    "UPLOAD_PART_SIZE": ("upload_part_size", _as_int),
    "UPLOAD_URL_TTL": ("upload_url_ttl", _as_int),
    "MAX_VIDEO_DURATION": ("max_video_duration", _as_int),
    "SEGMENT_URL_MARGIN": ("segment_url_margin", _as_int),
    "PLAYLIST_CACHE_TTL": ("playlist_cache_ttl", _as_int),
    "CATALOG_CACHE_TTL": ("catalog_cache_ttl", _as_int),
    "TRANSCODE_TIME_BUDGET": ("transcode_time_budget", _as_int),
    "FFMPEG_PRESET": ("ffmpeg_preset", _as_str),
    "FANOUT_MIN_DURATION": ("fanout_min_duration", _as_int),
    "FANOUT_CHUNK_SECONDS": ("fanout_chunk_seconds", _as_int),
    "FANOUT_AUDIO_PART_SECONDS": ("fanout_audio_part_seconds", _as_int),
    "PER_TITLE_TRIALS": ("per_title_trials", _as_bool),
    "PER_TITLE_SAMPLE_SECONDS": ("per_title_sample_seconds", _as_int),
    "MAX_BODY_BYTES": ("max_body_bytes", _as_int),
    "WATCH_PROGRESS_INTERVAL": ("watch_progress_interval", _as_int),
    "LOGIN_FAILURES_PER_EMAIL": ("login_failures_per_email", _as_int),
    "LOGIN_FAILURES_PER_IP": ("login_failures_per_ip", _as_int),
    "LOGIN_FAILURE_WINDOW": ("login_failure_window", _as_int),
    "REGISTRATIONS_PER_EMAIL_HOUR": ("registrations_per_email_hour", _as_int),
    "REGISTRATIONS_PER_IP_HOUR": ("registrations_per_ip_hour", _as_int),
    "PASSWORD_RESETS_PER_EMAIL_HOUR": ("password_resets_per_email_hour", _as_int),
    "PASSWORD_RESETS_PER_IP_HOUR": ("password_resets_per_ip_hour", _as_int),
    "PLAYBACK_SIGNER": ("playback_signer", _as_str),
    "CLOUDFRONT_DOMAIN": ("cloudfront_domain", _as_str),
    "CLOUDFRONT_KEY_PAIR_ID": ("cloudfront_key_pair_id", _as_str),
    "CLOUDFRONT_PRIVATE_KEY_SECRET": ("cloudfront_private_key_secret", _as_str),
}

ENVIRONMENT_VARIABLES = tuple(_FIELDS)
# Read only to be checked (into `Settings.aws_credentials`): boto3 uses them itself, and
# the AWS functions get them from Lambda, never from template.yaml.
CHECKED_ENVIRONMENT_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def read_dotenv(path: str) -> dict[str, str]:
    """KEY=VALUE lines of a `.env` file (comments and blank lines skipped); {} if it is absent."""
    values: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return values
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip().removeprefix("export ").strip()] = value
    return values


def process_environment(dotenv_path: str | None = None) -> dict[str, str]:
    """The process environment over the values of a `.env` file (the environment wins)."""
    values = read_dotenv(dotenv_path) if dotenv_path else {}
    values.update(os.environ)
    return values


def settings_to_environ(settings: Settings) -> dict[str, str]:
    """The variables that rebuild `settings` in another process (the dev stack's workers)."""
    out = {}
    for name, (attribute, _) in _FIELDS.items():
        value = getattr(settings, attribute)
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, tuple):
            out[name] = ",".join(value)
        else:
            out[name] = str(value)
    return out


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from `environ` (the process environment by default)."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    problems: list[str] = []
    for name, (attribute, parse) in _FIELDS.items():
        raw = env.get(name)
        if raw is None or raw == "":
            continue
        try:
            values[attribute] = parse(raw, name)
        except SettingsError as exc:
            problems.append(str(exc))
    environment = str(values.get("environment", "dev"))
    if environment in {"dev", "test"} and "cookie_secure" not in values:
        values["cookie_secure"] = False
    values["aws_credentials"] = aws_credentials_kind(*(env.get(n, "") for n in CHECKED_ENVIRONMENT_VARIABLES))
    settings = Settings(**values)
    problems += settings_problems(settings)
    if problems:
        raise SettingsError.of(problems)
    return settings


def aws_credentials_kind(access_key_id: str, secret_access_key: str, session_token: str) -> str:
    """none, dummy, temporary or static: see `Settings.aws_credentials`."""
    key, secret = access_key_id.strip(), secret_access_key.strip()
    if not key and not secret:
        return "none"
    if key.lower() in DUMMY_AWS_CREDENTIALS or secret.lower() in DUMMY_AWS_CREDENTIALS:
        return "dummy"
    return "temporary" if session_token.strip() else "static"


def _is_local_endpoint(url: str) -> bool:
    """True when `url` points at this machine or at an AWS emulator's usual host name."""
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    if host in EMULATOR_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_problems(settings: Settings) -> list[str]:
    """What a staging or prod process must not start with: the development defaults, each with the fix."""
    problems = []
    if settings.secret_key == DEV_SECRET_KEY:
        problems.append("SECRET_KEY is the development default; set a random secret of at least 32 bytes")
    elif len(settings.secret_key.encode()) < 32:
        problems.append("SECRET_KEY must be at least 32 bytes (256 bits)")
    if settings.database_url.lower().startswith("sqlite"):
        problems.append("DATABASE_URL is SQLite (the development default when it is unset); set the "
                        "PostgreSQL URL, postgresql://user:password@host:5432/videoflix")
    if not settings.redis_url:
        problems.append("REDIS_URL is empty, which means the in-process Redis of the dev stack; set the "
                        "Redis URL, redis://host:6379/0 (rediss:// with TLS)")
    if settings.admin_password == EXAMPLE_ADMIN_PASSWORD:
        problems.append("ADMIN_PASSWORD is the example password of .env.template; remove it: outside dev no "
                        "staff user is made from the environment (grant staff rights with the StaffFunction, "
                        "docs/deploy.md)")
    elif settings.admin_password:
        problems.append("ADMIN_PASSWORD is set, but outside dev nothing reads it and it sits in plain text in the "
                        "process environment; remove it (grant staff rights with the StaffFunction, docs/deploy.md)")
    if settings.aws_credentials == "dummy":
        problems.append("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are an emulator's dummy keys (testing/test); "
                        "remove them so the execution role's credentials are used")
    elif settings.aws_credentials == "static":
        problems.append("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are long-term keys (no AWS_SESSION_TOKEN) "
                        "embedded in the environment; remove them and let the execution role (or instance "
                        "profile) provide temporary credentials")
    for name, url in (("AWS_ENDPOINT_URL", settings.aws_endpoint_url),
                      ("AWS_PUBLIC_ENDPOINT_URL", settings.aws_public_endpoint_url)):
        if url and _is_local_endpoint(url):
            problems.append(f"{name} points at a local AWS emulator ({url}); unset it to use real AWS")
    if not settings.cookie_secure:
        problems.append("COOKIE_SECURE is false, so login cookies would also travel over plain HTTP; set it to "
                        "true or remove it (Secure is the default outside dev)")
    return problems


def validate_settings(settings: Settings) -> None:
    """Refuse settings that are invalid, or unsafe outside development: one error listing every problem."""
    problems = settings_problems(settings)
    if problems:
        raise SettingsError.of(problems)


def settings_problems(settings: Settings) -> list[str]:
    """Every problem of `settings`, each saying what to do; [] when the process may start."""
    problems: list[str] = []
    if settings.environment not in {"dev", "test", "staging", "prod"}:
        problems.append("VIDEOFLIX_ENV must be one of dev, test, staging, prod")
    elif not settings.is_dev:
        problems += production_problems(settings)
    if settings.access_token_lifetime <= 0 or settings.refresh_token_lifetime <= 0:
        problems.append("token lifetimes must be positive")
    if not 0 <= settings.refresh_reuse_grace <= 60:
        problems.append("REFRESH_REUSE_GRACE must be between 0 (off) and 60 seconds")
    if not 4 <= settings.bcrypt_rounds <= 16:
        problems.append("BCRYPT_ROUNDS must be between 4 and 16")
    limits = ("login_failures_per_email", "login_failures_per_ip", "registrations_per_email_hour",
              "registrations_per_ip_hour", "password_resets_per_email_hour", "password_resets_per_ip_hour")
    if any(getattr(settings, name) < 0 for name in limits):
        problems.append("abuse limits must be 0 (off) or positive")
    if settings.login_failure_window <= 0:
        problems.append("LOGIN_FAILURE_WINDOW must be positive")
    if settings.fanout_min_duration < 0:
        problems.append("FANOUT_MIN_DURATION must be 0 (off) or positive")
    if settings.fanout_chunk_seconds < 6:
        problems.append("FANOUT_CHUNK_SECONDS must be at least 6 (one HLS segment)")
    if settings.fanout_audio_part_seconds < 6:
        problems.append("FANOUT_AUDIO_PART_SECONDS must be at least 6 (one HLS segment)")
    if not 2 <= settings.per_title_sample_seconds <= 60:
        problems.append("PER_TITLE_SAMPLE_SECONDS must be between 2 and 60")
    if settings.upload_part_size < 5 * 1024**2:
        problems.append("UPLOAD_PART_SIZE must be at least 5 MiB (the S3 minimum)")
    if not 0 <= settings.watch_progress_interval <= 3600:
        problems.append("WATCH_PROGRESS_INTERVAL must be between 0 (every report) and 3600 seconds")
    problems += playback_problems(settings)
    return problems


def playback_problems(settings: Settings) -> list[str]:
    """PLAYBACK_SIGNER=cloudfront needs the distribution, the key's id and where the private key is."""
    if settings.playback_signer == "s3":
        return []
    if settings.playback_signer != "cloudfront":
        return [f"PLAYBACK_SIGNER must be s3 or cloudfront, got {settings.playback_signer!r}"]
    problems = []
    domain = settings.cloudfront_domain
    if not domain:
        problems.append("PLAYBACK_SIGNER=cloudfront needs CLOUDFRONT_DOMAIN, the distribution's host name "
                        "(d111111abcdef8.cloudfront.net; the stack's PlaybackDomain output)")
    elif not _HOST_NAME.fullmatch(domain):
        problems.append(f"CLOUDFRONT_DOMAIN must be a bare host name such as d111111abcdef8.cloudfront.net "
                        f"(no scheme, port or path), got {domain!r}")
    if not settings.cloudfront_key_pair_id:
        problems.append("PLAYBACK_SIGNER=cloudfront needs CLOUDFRONT_KEY_PAIR_ID, the id of the CloudFront public "
                        "key (the stack's PlaybackKeyPairId output)")
    elif not settings.cloudfront_key_pair_id.isalnum():
        problems.append(f"CLOUDFRONT_KEY_PAIR_ID must be letters and digits (K2JCJMDEHXQW5F), "
                        f"got {settings.cloudfront_key_pair_id!r}")
    if not settings.cloudfront_private_key_secret:
        problems.append("PLAYBACK_SIGNER=cloudfront needs CLOUDFRONT_PRIVATE_KEY_SECRET, the Secrets Manager name "
                        "or ARN of the private key (`videoflix cloudfront-keygen` says how to store it)")
    return problems
