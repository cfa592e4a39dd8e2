"""Every setting, by area: each group declares its fields once and checks them beside them.

No `from __future__ import annotations` here: the field types are read at import to choose
each variable's parser.
"""
import ipaddress
import re
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from videoflix.settings.declare import Group, declared_in, derived, gather_fields, setting, settings_group

STAGES = ("dev", "test", "staging", "prod")
DEV_STAGES = frozenset({"dev", "test"})


@settings_group
class Stage(Group):
    """Which deployment this process is: development (dev, test) or production (staging, prod)."""

    environment: str = setting("dev", "dev, test, staging or prod")

    @property
    def is_dev(self) -> bool:
        return self.environment in DEV_STAGES

    def problems(self) -> list[str]:
        if self.environment not in STAGES:
            return ["VIDEOFLIX_ENV must be one of dev, test, staging, prod"]
        return []


DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdef"


@settings_group
class Auth(Group):
    """Signing keys, token lifetimes and password hashing."""

    secret_key: str = setting(DEV_SECRET_KEY, "JWT/link signing key; ≥ 32 bytes, required outside dev",
                              shown="dev-only value")
    jwt_issuer: str = setting("videoflix", "JWT `iss`")
    jwt_audience: str = setting("videoflix-api", "JWT `aud`")
    access_token_lifetime: int = setting(30 * 60, "access token lifetime, seconds")
    refresh_token_lifetime: int = setting(7 * 24 * 3600, "refresh token lifetime, seconds")
    refresh_reuse_grace: int = setting(5, "seconds in which a just-replaced refresh token may be presented "
                                          "once more (0–60; 0: off)")
    account_token_max_age: int = setting(24 * 3600, "activation and reset link lifetime, seconds")
    bcrypt_rounds: int = setting(12, "bcrypt cost")

    def problems(self) -> list[str]:
        problems = []
        if self.access_token_lifetime <= 0 or self.refresh_token_lifetime <= 0:
            problems.append("token lifetimes must be positive")
        if not 0 <= self.refresh_reuse_grace <= 60:
            problems.append("REFRESH_REUSE_GRACE must be between 0 (off) and 60 seconds")
        if not 4 <= self.bcrypt_rounds <= 16:
            problems.append("BCRYPT_ROUNDS must be between 4 and 16")
        return problems

    def production_problems(self) -> list[str]:
        if self.secret_key == DEV_SECRET_KEY:
            return ["SECRET_KEY is the development default; set a random secret of at least 32 bytes"]
        if len(self.secret_key.encode()) < 32:
            return ["SECRET_KEY must be at least 32 bytes (256 bits)"]
        return []


@settings_group
class Database(Group):
    """The relational database."""

    database_url: str = setting("sqlite:///.dev/videoflix.sqlite3", "PostgreSQL (pg8000) or SQLite")

    def production_problems(self) -> list[str]:
        if self.database_url.lower().startswith("sqlite"):
            return ["DATABASE_URL is SQLite (the development default when it is unset); set the "
                    "PostgreSQL URL, postgresql://user:password@host:5432/videoflix"]
        return []


MIN_CACHE_BYTES = 64 * 1024


@settings_group
class Cache(Group):
    """Redis, and how long cached answers live."""

    redis_url: str = setting("", "Redis URL", shown="in-process")
    playlist_cache_ttl: int = setting(15 * 60, "playlist cache lifetime, seconds")
    catalog_cache_ttl: int = setting(60, "catalog cache lifetime, seconds")
    # Byte budgets: Redis never evicts (template.yaml), so the caches keep to these and leave the rest of
    # a cache.t4g.micro (about 380 MB for data) to sessions, revocations and rate limits (docs/operations.md).
    search_cache_bytes: int = setting(16 * 1024 * 1024, "bytes of cached search pages and categories; past it "
                                                        "they are dropped and filled again")
    film_cache_bytes: int = setting(4 * 1024 * 1024, "bytes of cached playback facts and caption tracks of films; "
                                                     "past it they are dropped and filled again")
    playlist_cache_bytes: int = setting(32 * 1024 * 1024, "bytes of playlists, subtitle playlists, storyboards "
                                                          "and the catalog list cached within an hour; past it "
                                                          "answers are served uncached")

    def problems(self) -> list[str]:
        small = [name.upper() for name in ("search_cache_bytes", "film_cache_bytes", "playlist_cache_bytes")
                 if getattr(self, name) < MIN_CACHE_BYTES]
        return [f"{name} must be at least {MIN_CACHE_BYTES} bytes" for name in small]

    def production_problems(self) -> list[str]:
        if not self.redis_url:
            return ["REDIS_URL is empty, which means the in-process Redis of the dev stack; set the "
                    "Redis URL, redis://host:6379/0 (rediss:// with TLS)"]
        return []


# The staff password .env.template ships for `make dev`.
EXAMPLE_ADMIN_PASSWORD = "change-me-admin"


@settings_group
class Dev(Group):
    """The development stack's staff user (`make dev`); nothing outside dev reads them."""

    admin_email: str = setting("", "address of the staff user created by `make dev`",
                               example="admin@videoflix.local")
    admin_password: str = setting("", "password of the staff user created by `make dev` (refused outside dev)",
                                  example=EXAMPLE_ADMIN_PASSWORD)

    def production_problems(self) -> list[str]:
        if self.admin_password == EXAMPLE_ADMIN_PASSWORD:
            return ["ADMIN_PASSWORD is the example password of .env.template; remove it: outside dev no "
                    "staff user is made from the environment (grant staff rights with the StaffFunction, "
                    "docs/deploy.md)"]
        if self.admin_password:
            return ["ADMIN_PASSWORD is set, but outside dev nothing reads it and it sits in plain text in the "
                    "process environment; remove it (grant staff rights with the StaffFunction, docs/deploy.md)"]
        return []


# What moto (`testing`) and LocalStack (`test`) accept as keys; never real credentials.
DUMMY_AWS_CREDENTIALS = frozenset({"testing", "test"})
# Hosts of the AWS emulators the project runs against (besides loopback addresses).
EMULATOR_HOSTS = ("localhost", "localstack", "moto", "localhost.localstack.cloud")
# Read only to be checked (into `Settings.aws_credentials`): boto3 uses them itself, and
# the AWS functions get them from Lambda, never from template.yaml.
CHECKED_ENVIRONMENT_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


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


@settings_group
class Aws(Group):
    """Where AWS is, and which credentials the environment holds."""

    aws_endpoint_url: str = setting("", "e.g. http://127.0.0.1:4566 for LocalStack", shown="real AWS / embedded moto")
    aws_public_endpoint_url: str = setting("", "endpoint signed into presigned URLs", shown="AWS_ENDPOINT_URL")
    aws_region: str = setting("eu-central-1", "region")
    # Which AWS credentials the environment holds (never the keys themselves; boto3 reads those):
    # none (the default chain: role, instance profile), temporary (with a session token, as
    # Lambda gives its execution role), static (long-term keys) or dummy (an emulator's testing/test).
    aws_credentials: str = derived("none", "none, temporary, static or dummy: from CHECKED_ENVIRONMENT_VARIABLES")

    def production_problems(self) -> list[str]:
        problems = []
        if self.aws_credentials == "dummy":
            problems.append("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are an emulator's dummy keys (testing/test); "
                            "remove them so the execution role's credentials are used")
        elif self.aws_credentials == "static":
            problems.append("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY are long-term keys (no AWS_SESSION_TOKEN) "
                            "embedded in the environment; remove them and let the execution role (or instance "
                            "profile) provide temporary credentials")
        for name, url in (("AWS_ENDPOINT_URL", self.aws_endpoint_url),
                          ("AWS_PUBLIC_ENDPOINT_URL", self.aws_public_endpoint_url)):
            if url and _is_local_endpoint(url):
                problems.append(f"{name} points at a local AWS emulator ({url}); unset it to use real AWS")
        return problems


@settings_group
class Web(Group):
    """The API's HTTP edge: cookies, CORS, its own and the frontend's address, body size."""

    cookie_secure: bool = setting(True, "`Secure` cookie attribute", dev_default=False)
    cors_allowed_origins: tuple[str, ...] = setting(("http://127.0.0.1:5500", "http://localhost:5500"),
                                                    "origins allowed with credentials")
    frontend_url: str = setting("http://127.0.0.1:5500", "base of email links")
    api_base_url: str = setting("", "base of absolute playlist URLs", shown="from API Gateway")
    max_body_bytes: int = setting(64 * 1024, "largest JSON request body")

    def production_problems(self) -> list[str]:
        if not self.cookie_secure:
            return ["COOKIE_SECURE is false, so login cookies would also travel over plain HTTP; set it to "
                    "true or remove it (Secure is the default outside dev)"]
        return []


@settings_group
class Throttle(Group):
    """Abuse limits (Redis fixed windows); 0 switches a limit off."""

    login_failures_per_email: int = setting(10, "failed logins per address before 429 (0: off)")
    login_failures_per_ip: int = setting(100, "failed logins per client IP before 429 (0: off)")
    login_failure_window: int = setting(15 * 60, "window of the login failure counts, seconds; a success "
                                                 "resets the address's count")
    registrations_per_email_hour: int = setting(5, "registrations per address and hour (0: off)")
    registrations_per_ip_hour: int = setting(30, "registrations per client IP and hour (0: off)")
    password_resets_per_email_hour: int = setting(5, "reset requests per address and hour (0: off)")
    password_resets_per_ip_hour: int = setting(30, "reset requests per client IP and hour (0: off)")

    def problems(self) -> list[str]:
        problems = []
        limits = (self.login_failures_per_email, self.login_failures_per_ip, self.registrations_per_email_hour,
                  self.registrations_per_ip_hour, self.password_resets_per_email_hour,
                  self.password_resets_per_ip_hour)
        if any(limit < 0 for limit in limits):
            problems.append("abuse limits must be 0 (off) or positive")
        if self.login_failure_window <= 0:
            problems.append("LOGIN_FAILURE_WINDOW must be positive")
        return problems


@settings_group
class Queues(Group):
    """The SQS queues."""

    mail_queue_name: str = setting("videoflix-mail", "SQS queue of emails to send (mailer)")
    transcode_queue_name: str = setting("videoflix-transcode", "SQS queue of transcode jobs (transcoder)")
    chunk_queue_name: str = setting("videoflix-transcode-chunks", "SQS queue of fan-out chunk jobs (chunk worker)")
    av1_queue_name: str = setting("videoflix-av1", "SQS queue of AV1 jobs and AV1 chunk jobs (chunk worker, "
                                                   "fewer at once than the H.264 chunks)")
    playback_queue_name: str = setting("videoflix-playback-events", "SQS queue of players' playback-event batches "
                                                                    "(insights aggregator)")


@settings_group
class Mail(Group):
    """Outgoing email."""

    mail_sender: str = setting("noreply@videoflix.local", "SES sender")


@settings_group
class Observability(Group):
    """Where the project tells operators what happened."""

    # The EventBridge bus that gets Video Ready / Video Failed (videoflix.domain.video_events).
    event_bus_name: str = setting("videoflix-events", "EventBridge bus that gets `Video Ready` / `Video Failed`")


@settings_group
class Fanout(Group):
    """Long films cut into chunks encoded in parallel (docs/fanout.md)."""

    fanout_min_duration: int = setting(120, "films at least this long (s) are transcoded in parallel chunks; "
                                            "0: never")
    fanout_chunk_seconds: int = setting(30, "chunk length, rounded down to whole 6 s segments (≥ 6)")
    fanout_audio_part_seconds: int = setting(300, "length of a fanned-out film's audio parts, each a job of its "
                                                  "own, rounded down to whole segments (≥ 6)")

    def problems(self) -> list[str]:
        problems = []
        if self.fanout_min_duration < 0:
            problems.append("FANOUT_MIN_DURATION must be 0 (off) or positive")
        if self.fanout_chunk_seconds < 6:
            problems.append("FANOUT_CHUNK_SECONDS must be at least 6 (one HLS segment)")
        if self.fanout_audio_part_seconds < 6:
            problems.append("FANOUT_AUDIO_PART_SECONDS must be at least 6 (one HLS segment)")
        return problems


@settings_group
class Transcoding(Group):
    """The FFmpeg ladder: how long a film may be, how long its encode may take, how it is encoded."""

    max_video_duration: int = setting(4 * 3600, "longest accepted film, seconds")
    transcode_time_budget: int = setting(840, "FFmpeg wall-clock budget, below the 900 s timeout")
    ffmpeg_preset: str = setting("veryfast", "x264 preset")
    # The AV1 ladder (pipeline/av1.py): encoded after the film is ready, as a job of its own, and
    # joined to its master when complete; browsers that decode AV1 play it.
    av1_ladder: bool = setting(True, "after a film is ready, encode an AV1 (CMAF) ladder beside its H.264 one "
                                     "and add it to the master playlist (`docs/encoding.md`)")
    av1_preset: int = setting(-1, "SVT-AV1 preset of every AV1 rung (0–13, higher is faster); -1: each rung's "
                                  "own from the ladder table")
    # A film longer than one AV1 job can encode is encoded in chunks (pipeline/av1_chunks.py).
    av1_chunk_min_duration: int = setting(0, "films longer than this (s) get their AV1 ladder in parallel chunk "
                                             "jobs; 0: longer than one AV1 job can encode in TRANSCODE_TIME_BUDGET")
    av1_chunk_seconds: int = setting(120, "AV1 chunk length, rounded down to whole 6 s segments (≥ 6)")

    def problems(self) -> list[str]:
        problems = []
        if not -1 <= self.av1_preset <= 13:
            problems.append("AV1_PRESET must be -1 (the ladder table's) or 0 to 13")
        if self.av1_chunk_min_duration < 0:
            problems.append("AV1_CHUNK_MIN_DURATION must be 0 (automatic) or positive")
        if self.av1_chunk_seconds < 6:
            problems.append("AV1_CHUNK_SECONDS must be at least 6 (one HLS segment)")
        return problems


@settings_group
class Storage(Group):
    """The S3 buckets, and how films are uploaded into them."""

    upload_bucket: str = setting("videoflix-uploads", "bucket of uploaded films")
    media_bucket: str = setting("videoflix-media", "bucket of transcoded films (HLS) and images")
    max_upload_bytes: int = setting(10 * 1024**3, "largest accepted upload", shown="10 GiB")
    upload_part_size: int = setting(64 * 1024**2, "multipart part size (≥ 5 MiB)", shown="64 MiB")
    upload_url_ttl: int = setting(6 * 3600, "presigned upload URL lifetime, seconds")

    def problems(self) -> list[str]:
        if self.upload_part_size < 5 * 1024**2:
            return ["UPLOAD_PART_SIZE must be at least 5 MiB (the S3 minimum)"]
        return []


# A DNS host name (CLOUDFRONT_DOMAIN): labels of letters, digits and hyphens, at least one dot.
_HOST_NAME = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE)


@settings_group
class Playback(Group):
    """What viewers are given to play: signed media URLs (S3 or CloudFront), progress writes."""

    segment_url_margin: int = setting(2 * 3600, "segment URLs live for duration + margin")
    # Continue watching: at most one stored position per viewer and film this often (seconds); the
    # newest in between waits in Redis and is written with the next one (0: every report is written).
    watch_progress_interval: int = setting(5, "seconds between stored progress writes per viewer and film "
                                              "(0: every report)")
    # Who signs viewers' media URLs: s3 (presigned per object; dev, LocalStack, moto) or cloudfront
    # (one signed policy per film on the CloudFront distribution; videoflix.adapters.playback).
    playback_signer: str = setting("s3", "who signs viewers' segment URLs: `s3` (presigned per segment, cut to "
                                         "the signing credentials' expiry) or `cloudfront` (one signed policy per "
                                         "film; `docs/deploy.md`, \"Signed playback\")")
    cloudfront_domain: str = setting("", "the distribution's host name (required by `cloudfront`)")
    cloudfront_key_pair_id: str = setting("", "id of the CloudFront public key (required by `cloudfront`)")
    cloudfront_private_key_secret: str = setting("", "Secrets Manager name or ARN of the private key, read once "
                                                     "per container on first use (required by `cloudfront`)")

    def problems(self) -> list[str]:
        problems = []
        if not 0 <= self.watch_progress_interval <= 3600:
            problems.append("WATCH_PROGRESS_INTERVAL must be between 0 (every report) and 3600 seconds")
        return problems + self.signer_problems()

    def signer_problems(self) -> list[str]:
        """PLAYBACK_SIGNER=cloudfront needs the distribution, the key's id and where the private key is."""
        if self.playback_signer == "s3":
            return []
        if self.playback_signer != "cloudfront":
            return [f"PLAYBACK_SIGNER must be s3 or cloudfront, got {self.playback_signer!r}"]
        problems = []
        domain = self.cloudfront_domain
        if not domain:
            problems.append("PLAYBACK_SIGNER=cloudfront needs CLOUDFRONT_DOMAIN, the distribution's host name "
                            "(d111111abcdef8.cloudfront.net; the stack's PlaybackDomain output)")
        elif not _HOST_NAME.fullmatch(domain):
            problems.append(f"CLOUDFRONT_DOMAIN must be a bare host name such as d111111abcdef8.cloudfront.net "
                            f"(no scheme, port or path), got {domain!r}")
        if not self.cloudfront_key_pair_id:
            problems.append("PLAYBACK_SIGNER=cloudfront needs CLOUDFRONT_KEY_PAIR_ID, the id of the CloudFront public "
                            "key (the stack's PlaybackKeyPairId output)")
        elif not self.cloudfront_key_pair_id.isalnum():
            problems.append(f"CLOUDFRONT_KEY_PAIR_ID must be letters and digits (K2JCJMDEHXQW5F), "
                            f"got {self.cloudfront_key_pair_id!r}")
        if not self.cloudfront_private_key_secret:
            problems.append("PLAYBACK_SIGNER=cloudfront needs CLOUDFRONT_PRIVATE_KEY_SECRET, the Secrets Manager name "
                            "or ARN of the private key (`videoflix cloudfront-keygen` says how to store it)")
        return problems


@settings_group
class Insights(Group):
    """What viewers experienced: playback events from the player, folded into rollups (docs/operations.md)."""

    playback_insights: bool = setting(True, "collect playback events (startup, stalls, quality, failures, watch "
                                            "time) for the staff's Insights; false: the player sends nothing and "
                                            "the events route answers 204")
    playback_report_interval_ms: int = setting(10_000, "how often the player sends its batch of events, ms "
                                                       "(1000–60000)")
    playback_batches_per_minute: int = setting(60, "playback batches accepted per viewer and minute before 429 "
                                                   "(0: off)")
    playback_retention_days: int = setting(35, "days the aggregator keeps its per-view records (which batches it "
                                               "counted, each view's watched seconds); rollups are kept (≥ 2)")

    def problems(self) -> list[str]:
        problems = []
        if not 1000 <= self.playback_report_interval_ms <= 60_000:
            problems.append("PLAYBACK_REPORT_INTERVAL_MS must be between 1000 and 60000")
        if self.playback_batches_per_minute < 0:
            problems.append("PLAYBACK_BATCHES_PER_MINUTE must be 0 (off) or positive")
        if self.playback_retention_days < 2:
            problems.append("PLAYBACK_RETENTION_DAYS must be at least 2 (longer than a batch may wait in the queue)")
        return problems


# The groups in the order of the problems they report in one message (the order of the checks
# before the settings were grouped), which is also the order of the README table.
@dataclass(frozen=True)
@gather_fields
class Settings(Stage, Auth, Database, Cache, Dev, Aws, Web, Throttle, Queues, Mail, Observability,
               Fanout, Transcoding, Storage, Playback, Insights):
    """The one settings object of Videoflix: every group's fields, flat (`settings.database_url`)."""

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)

    def problems(self) -> list[str]:
        """Every problem of every group, each saying what to do; [] when the process may start."""
        problems: list[str] = []
        if self.environment in STAGES and not self.is_dev:
            for group in GROUPS:
                problems += group.production_problems(self)
        for group in GROUPS:
            problems += group.problems(self)
        return problems

    def production_problems(self) -> list[str]:
        """What a staging or prod process must not start with: the development defaults, each with the fix."""
        return [problem for group in GROUPS for problem in group.production_problems(self)]


GROUPS: tuple[type[Group], ...] = Settings.__bases__
DECLARED = declared_in(GROUPS)
