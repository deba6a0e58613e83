"""Settings, read once from the environment (and an optional `.env` file) and checked strictly.

A wrong value stops the app at start-up with one line that names the variable and the fix;
nothing else in the code reads `os.environ`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_der_public_key,
    load_pem_private_key,
)
from dotenv import dotenv_values

MAIL_TRANSPORTS = ("file", "smtp", "sendgrid")
# The languages partner-facing text is written and shown in (FALLBACK_LOCALES orders the fallbacks).
LOCALES = ("en", "nl", "de", "fr", "sv", "pl")
LOCALE_NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch", "fr": "Français", "sv": "Svenska", "pl": "Polski"}
DEFAULT_TIERS = ("registered", "silver", "gold", "platinum")
LOG_FORMATS = ("text", "json")
APP_ENVS = ("development", "production", "test")
STORAGE_DOWNLOADS = ("stream", "presigned")
# Our own open pixel and click-through links in newsletters (README: "Opens and clicks").
TRACKING_MODES = ("off", "clicks", "opens_and_clicks")
DEV_SECRET_FILE = "dev-secret-key"  # noqa: S105 (a file name, not a secret)
MAILBOX_SCHEMES = ("imaps", "pop3s", "imap", "pop3")
MIN_DKIM_KEY_BITS = 1024  # what receivers still accept; 2048 is what the README recommends


class ConfigError(Exception):
    """A setting is missing or malformed; `str()` is the one line shown to the operator."""

    def __init__(self, variable: str, problem: str, fix: str) -> None:
        super().__init__(f"config error: {variable} {problem}; {fix}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    app_env: str
    instance_dir: Path
    database_url: str
    secret_key: str
    secret_key_is_dev: bool
    public_base_url: str
    mail_transport: str
    mail_from: str
    vendor_name: str
    digest_max_items: int
    digest_processes: int
    engagement_half_life_days: int
    engagement_cooling_percent: int
    postal_address: str
    outbox_dir: Path
    storage_url: str
    sendgrid_api_key: str
    sendgrid_api_host: str
    sendgrid_webhook_public_key: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    mail_timeout_seconds: int
    sendgrid_batch_size: int
    delivery_batch_size: int
    delivery_max_attempts: int
    delivery_lease_seconds: int
    delivery_backoff_seconds: int
    delivery_backoff_max_seconds: int
    delivery_poll_seconds: int
    log_format: str
    log_level: str
    ratelimit_storage_uri: str
    max_upload_mb: int
    max_image_megapixels: int
    import_max_mb: int
    trusted_proxies: int
    partner_tiers: tuple[str, ...]
    kit_build_processes: int = 2
    tier_downgrade_notice_days: int = 90
    portal_sign_in_per_hour: int = 5
    fallback_locales: tuple[str, ...] = ("en",)
    dkim: DkimSettings | None = None
    bounce_address: str = ""
    bounce_mailbox: MailboxSettings | None = None
    bounce_mailbox_poll_minutes: int = 5
    soft_bounce_limit: int = 3
    ses_topic_arns: tuple[str, ...] = ()
    postmark_webhook_user: str = ""
    delivery_send_concurrency: int = 16
    digest_shards: int = 4
    digest_shard_lease_seconds: int = 300
    postmark_webhook_password: str = field(default="", repr=False)
    audit_retention_days: int = 730
    storage_downloads: str = "stream"
    s3_endpoint_url: str = ""
    aws_region: str = ""
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    aws_session_token: str = ""
    api_rate_limit: str = "600/minute"
    api_max_body_mb: int = 5
    ratelimit_key_prefix: str = "channelcast"
    webhook_max_attempts: int = 10
    webhook_timeout_seconds: int = 10
    tracking: str = "opens_and_clicks"
    tracking_link_days: int = 400

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


@dataclass(frozen=True)
class DkimSettings:
    """DKIM signing: the selector and domain of the DNS record, and the RSA key (PKCS#1 PEM)."""

    selector: str
    domain: str
    private_key_pem: bytes = field(repr=False)


@dataclass(frozen=True)
class MailboxSettings:
    """The bounce and complaint mailbox, from BOUNCE_MAILBOX_URL."""

    protocol: str  # imap or pop3
    tls: bool
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"

    @property
    def label(self) -> str:
        """What the admin sees: the address without the password."""
        scheme = self.protocol + ("s" if self.tls else "")
        path = f"/{self.folder}" if self.protocol == "imap" else ""
        return f"{scheme}://{self.user}@{self.host}:{self.port}{path}"


class _Reader:
    """Reads raw strings, falling back to defaults, and turns bad ones into ConfigError."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str) -> str:
        value = self.environ.get(name)
        return default if value is None or value.strip() == "" else value.strip()

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name, default).lower()
        if value not in allowed:
            raise ConfigError(name, f"is {value!r}, not a known value", f"use one of: {', '.join(allowed)}")
        return value

    def integer(self, name: str, default: int, *, low: int, high: int) -> int:
        raw = self.text(name, str(default))
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(name, f"is {raw!r}, not a whole number", f"use a number from {low} to {high}") from None
        if not low <= value <= high:
            raise ConfigError(name, f"is {value}, out of range", f"use a number from {low} to {high}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name, "true" if default else "false").lower()
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(name, f"is {raw!r}, not a yes/no value", "use true or false")

    def slug_list(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.text(name, ",".join(default))
        items = tuple(item.strip().lower() for item in raw.split(",") if item.strip())
        bad = [item for item in items if not re.fullmatch(r"[a-z][a-z0-9-]{0,29}", item)]
        if bad or not items or len(set(items)) != len(items):
            raise ConfigError(name, f"is {raw!r}", "give distinct lowercase names separated by commas, lowest first")
        return items

    def locale_list(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """Languages separated by commas; `none` for an empty list."""
        raw = self.text(name, ",".join(default) or "none")
        if raw.lower() == "none":
            return ()
        items = tuple(item.strip().lower() for item in raw.split(",") if item.strip())
        unknown = [item for item in items if item not in LOCALES]
        if unknown or len(set(items)) != len(items):
            raise ConfigError(
                name, f"is {raw!r}", f"give distinct languages from {', '.join(LOCALES)} separated by commas"
            )
        return items

    def url(self, name: str, default: str, schemes: tuple[str, ...]) -> str:
        value = self.text(name, default).rstrip("/")
        parts = urlsplit(value)
        if parts.scheme not in schemes or not parts.netloc:
            raise ConfigError(
                name, f"is {value!r}, not a valid URL", f"give a full URL starting with {' or '.join(schemes)}://"
            )
        return value


def _database_url(reader: _Reader, instance_dir: Path) -> str:
    value = reader.text("DATABASE_URL", f"sqlite:///{instance_dir / 'channelcast.db'}")
    scheme, sep, rest = value.partition("://")
    if scheme in ("postgres", "postgresql"):
        # SQLAlchemy's bare postgresql:// means psycopg2, which we do not ship.
        scheme, value = "postgresql+psycopg", f"postgresql+psycopg://{rest}"
    if not sep or not scheme.startswith(("sqlite", "postgresql")):
        raise ConfigError(
            "DATABASE_URL",
            f"is {value!r}, not a SQLite or PostgreSQL URL",
            "use sqlite:///path/to/file.db or postgresql+psycopg://user@host:5432/dbname",
        )
    if scheme.startswith("postgresql") and not urlsplit(value).hostname and "host=" not in value:
        raise ConfigError("DATABASE_URL", "has no host", "use postgresql+psycopg://user@host:5432/dbname")
    return value


def _secret_key(reader: _Reader, instance_dir: Path, app_env: str) -> tuple[str, bool]:
    """The secret from SECRET_KEY, or (outside production) one generated once into instance/."""
    dev_file = instance_dir / DEV_SECRET_FILE
    value = reader.text("SECRET_KEY", "")
    dev_value = dev_file.read_text().strip() if dev_file.exists() else ""
    if app_env == "production":
        if not value or value == dev_value:
            raise ConfigError(
                "SECRET_KEY",
                "is not set for production (or is the generated development key)",
                'set it to a long random value, e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"',
            )
        if len(value) < 32:
            raise ConfigError("SECRET_KEY", "is shorter than 32 characters", "use a long random value")
        return value, False
    if value:
        return value, False
    if not dev_value:
        instance_dir.mkdir(parents=True, exist_ok=True)
        dev_value = secrets.token_urlsafe(48)
        dev_file.write_text(dev_value + "\n")
        dev_file.chmod(0o600)
    return dev_value, True


def _storage_url(reader: _Reader, instance_dir: Path) -> str:
    """`file:///absolute/dir` or `s3://bucket[/prefix]`; STORAGE_DIR (deprecated) still names a directory."""
    legacy_dir = reader.text("STORAGE_DIR", "")
    value = reader.text("STORAGE_URL", "")
    if value and legacy_dir:
        raise ConfigError(
            "STORAGE_DIR",
            "is set as well as STORAGE_URL",
            f"remove STORAGE_DIR (deprecated; use STORAGE_URL=file://{legacy_dir})",
        )
    if not value:
        return f"file://{Path(legacy_dir or instance_dir / 'storage').resolve()}"
    parts = urlsplit(value)
    if parts.scheme == "file" and parts.path and not parts.netloc:
        return f"file://{Path(parts.path).resolve()}"
    bucket_ok = re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", parts.netloc or "")
    if parts.scheme == "s3" and bucket_ok and not parts.query and ".." not in parts.path:
        return f"s3://{parts.netloc}/{parts.path.strip('/')}".rstrip("/")
    raise ConfigError(
        "STORAGE_URL",
        f"is {value!r}, not a storage location",
        "use file:///absolute/directory or s3://bucket-name/optional/prefix",
    )


def _optional_url(reader: _Reader, name: str) -> str:
    return reader.url(name, "", ("http", "https")) if reader.text(name, "") else ""


def _aws_keys(reader: _Reader) -> dict[str, str]:
    """The usual AWS variables, read here so a `.env` file works too; both or neither."""
    key_id, secret = reader.text("AWS_ACCESS_KEY_ID", ""), reader.text("AWS_SECRET_ACCESS_KEY", "")
    if bool(key_id) != bool(secret):
        missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
        raise ConfigError(missing, "is not set but its partner is", "set both AWS keys, or neither (instance role)")
    return {"aws_access_key_id": key_id, "aws_secret_access_key": secret}


def _webhook_public_key(reader: _Reader) -> str:
    """SendGrid's verification key (base64 DER of an EC public key), checked now rather than at the first event."""
    value = reader.text("SENDGRID_WEBHOOK_PUBLIC_KEY", "")
    if not value:
        return ""
    try:
        key = load_der_public_key(base64.b64decode(value, validate=True))
    except (ValueError, binascii.Error):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(
            "SENDGRID_WEBHOOK_PUBLIC_KEY",
            "is not an elliptic-curve public key",
            "paste the verification key from SendGrid's Mail Settings > Signed Event Webhook (one base64 line)",
        )
    return value


DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}|localhost", re.IGNORECASE)


def _mail_from_domain(mail_from: str) -> str:
    return parseaddr(mail_from)[1].rpartition("@")[2].lower()


def _dkim(reader: _Reader, mail_from: str) -> DkimSettings | None:
    """DKIM_SELECTOR, DKIM_DOMAIN and DKIM_PRIVATE_KEY_FILE: all three or none, checked now."""
    names = ("DKIM_SELECTOR", "DKIM_DOMAIN", "DKIM_PRIVATE_KEY_FILE")
    selector, domain, key_file = (reader.text(name, "") for name in names)
    if not (selector or domain or key_file):
        return None
    for name, value in zip(names, (selector, domain, key_file), strict=True):
        if not value:
            raise ConfigError(name, "is not set but other DKIM_ settings are", "set all three DKIM_ settings or none")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9._-]{0,62})", selector, re.IGNORECASE):
        raise ConfigError("DKIM_SELECTOR", f"is {selector!r}", "use letters, digits, dots and dashes, e.g. cc2026")
    domain = domain.lower().rstrip(".")
    sender_domain = _mail_from_domain(mail_from)
    # DMARC's relaxed alignment: the From domain is the signing domain or one of its subdomains.
    if not DOMAIN.fullmatch(domain) or not (sender_domain == domain or sender_domain.endswith("." + domain)):
        raise ConfigError(
            "DKIM_DOMAIN",
            f"is {domain!r}, which does not match MAIL_FROM's domain {sender_domain!r}",
            "sign with the From address's domain (or a parent of it)",
        )
    return DkimSettings(selector, domain, _dkim_key(key_file))


def _dkim_key(key_file: str) -> bytes:
    try:
        raw = Path(key_file).read_bytes()
    except OSError as error:
        raise ConfigError(
            "DKIM_PRIVATE_KEY_FILE", f"cannot be read ({error.strerror})", "give the path of a PEM file"
        ) from None
    try:
        key = load_pem_private_key(raw, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < MIN_DKIM_KEY_BITS:
        raise ConfigError(
            "DKIM_PRIVATE_KEY_FILE",
            f"({key_file}) is not an unencrypted RSA private key of {MIN_DKIM_KEY_BITS} bits or more",
            "make one with: openssl genrsa -out dkim.pem 2048",
        )
    # dkimpy reads PKCS#1 PEM only: convert once (PKCS#8 files from OpenSSL 3 are common).
    return key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())


def _bounce_address(reader: _Reader) -> str:
    value = reader.text("BOUNCE_ADDRESS", "").lower()
    if not value:
        return ""
    local, at, domain = value.rpartition("@")
    if not at or not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,19}", local) or not DOMAIN.fullmatch(domain):
        raise ConfigError(
            "BOUNCE_ADDRESS",
            f"is {value!r}, not a plain address",
            "use a short address without '+' on the bounce domain, e.g. bounces@bounce.vendor.example",
        )
    return value


def _mailbox(reader: _Reader) -> MailboxSettings | None:
    value = reader.text("BOUNCE_MAILBOX_URL", "")
    if not value:
        return None
    fix = "use imaps://user:password@host/INBOX or pop3s://user:password@host (percent-encode @ and : in them)"
    parts = urlsplit(value)
    shown = f"{parts.scheme}://{parts.hostname or ''}"  # never the password
    if parts.scheme not in MAILBOX_SCHEMES or not parts.hostname or not parts.username or parts.password is None:
        raise ConfigError("BOUNCE_MAILBOX_URL", f"({shown}...) is not a mailbox URL with a user and password", fix)
    try:
        port = parts.port
    except ValueError:
        raise ConfigError("BOUNCE_MAILBOX_URL", f"({shown}...) has a bad port", fix) from None
    protocol, tls = parts.scheme.rstrip("s"), parts.scheme.endswith("s")
    default_port = {("imap", True): 993, ("imap", False): 143, ("pop3", True): 995, ("pop3", False): 110}
    folder = unquote(parts.path.strip("/")) or "INBOX"
    if protocol == "pop3" and folder != "INBOX":
        raise ConfigError("BOUNCE_MAILBOX_URL", f"names the folder {folder!r}, but POP3 has none", fix)
    return MailboxSettings(
        protocol=protocol,
        tls=tls,
        host=parts.hostname,
        port=port or default_port[(protocol, tls)],
        user=unquote(parts.username),
        password=unquote(parts.password),
        folder=folder,
    )


def _topic_arns(reader: _Reader) -> tuple[str, ...]:
    raw = reader.text("SES_SNS_TOPIC_ARNS", "")
    arns = tuple(item.strip() for item in raw.split(",") if item.strip())
    bad = [arn for arn in arns if not re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}", arn)]
    if bad:
        raise ConfigError(
            "SES_SNS_TOPIC_ARNS",
            f"has {bad[0]!r}, not an SNS topic ARN",
            "give the topic ARNs, comma-separated, e.g. arn:aws:sns:eu-west-1:123456789012:ses-events",
        )
    return arns


def _postmark_password(reader: _Reader) -> str:
    value = reader.text("POSTMARK_WEBHOOK_PASSWORD", "")
    if value and len(value) < 16:
        raise ConfigError(
            "POSTMARK_WEBHOOK_PASSWORD",
            "is shorter than 16 characters",
            "use a long random value (it is all that guards the webhook)",
        )
    if value and not reader.text("POSTMARK_WEBHOOK_USER", ""):
        raise ConfigError(
            "POSTMARK_WEBHOOK_USER",
            "is not set but POSTMARK_WEBHOOK_PASSWORD is",
            "set both, as in Postmark's webhook URL",
        )
    return value


def _rate_limit(reader: _Reader) -> str:
    """API_RATE_LIMIT as the `limits` library reads it ("600/minute", "100 per 10 seconds")."""
    from limits import parse

    value = reader.text("API_RATE_LIMIT", "600/minute")
    try:
        item = parse(value)
    except ValueError:
        item = None
    if item is None or item.amount < 1:
        raise ConfigError("API_RATE_LIMIT", f"is {value!r}", "give calls per period, e.g. 600/minute or 50 per second")
    return value


def _key_prefix(reader: _Reader) -> str:
    value = reader.text("RATELIMIT_KEY_PREFIX", "channelcast")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", value):
        raise ConfigError("RATELIMIT_KEY_PREFIX", f"is {value!r}", "use 1 to 64 letters, digits, dots, dashes or _")
    return value


def load_settings(environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
    """Build Settings from `environ` (default: the process environment over `.env`)."""
    merged: dict[str, str] = {}
    if environ is None:
        if dotenv is not None and dotenv.is_file():
            merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        merged.update(os.environ)
    else:
        merged.update(environ)
    reader = _Reader(merged)
    app_env = reader.choice("APP_ENV", "development", APP_ENVS)
    instance_dir = Path(reader.text("INSTANCE_DIR", "instance")).resolve()
    secret_key, secret_is_dev = _secret_key(reader, instance_dir, app_env)
    transport = reader.choice("MAIL_TRANSPORT", "file", MAIL_TRANSPORTS)
    sendgrid_key = reader.text("SENDGRID_API_KEY", "")
    if transport == "sendgrid" and not sendgrid_key:
        raise ConfigError(
            "SENDGRID_API_KEY", "is not set but MAIL_TRANSPORT=sendgrid", "set the API key or use MAIL_TRANSPORT=file"
        )
    smtp_host = reader.text("SMTP_HOST", "localhost")
    mail_from = reader.text("MAIL_FROM", "Channelcast <news@channelcast.example>")
    return Settings(
        app_env=app_env,
        instance_dir=instance_dir,
        database_url=_database_url(reader, instance_dir),
        secret_key=secret_key,
        secret_key_is_dev=secret_is_dev,
        public_base_url=reader.url("PUBLIC_BASE_URL", "http://127.0.0.1:5000", ("http", "https")),
        mail_transport=transport,
        mail_from=mail_from,
        vendor_name=reader.text("VENDOR_NAME", "Northwind Systems"),
        digest_max_items=reader.integer("DIGEST_MAX_ITEMS", 6, low=1, high=20),
        digest_processes=reader.integer("DIGEST_PROCESSES", 1, low=1, high=32),
        engagement_half_life_days=reader.integer("ENGAGEMENT_HALF_LIFE_DAYS", 30, low=1, high=3650),
        engagement_cooling_percent=reader.integer("ENGAGEMENT_COOLING_PERCENT", 30, low=1, high=99),
        digest_shards=reader.integer("DIGEST_SHARDS", 4, low=1, high=1024),
        digest_shard_lease_seconds=reader.integer("DIGEST_SHARD_LEASE_SECONDS", 300, low=10, high=86_400),
        postal_address=reader.text("POSTAL_ADDRESS", "Channelcast Demo BV, Keizersgracht 1, 1015 CJ Amsterdam, NL"),
        outbox_dir=Path(reader.text("OUTBOX_DIR", str(instance_dir / "outbox"))).resolve(),
        storage_url=_storage_url(reader, instance_dir),
        sendgrid_api_key=sendgrid_key,
        sendgrid_api_host=reader.url("SENDGRID_API_HOST", "https://api.sendgrid.com", ("http", "https")),
        sendgrid_webhook_public_key=_webhook_public_key(reader),
        smtp_host=smtp_host,
        smtp_port=reader.integer("SMTP_PORT", 587, low=1, high=65535),
        smtp_user=reader.text("SMTP_USER", ""),
        smtp_password=reader.text("SMTP_PASSWORD", ""),
        smtp_starttls=reader.boolean("SMTP_STARTTLS", True),
        mail_timeout_seconds=reader.integer("MAIL_TIMEOUT_SECONDS", 30, low=1, high=600),
        sendgrid_batch_size=reader.integer("SENDGRID_BATCH_SIZE", 1000, low=1, high=1000),
        delivery_batch_size=reader.integer("DELIVERY_BATCH_SIZE", 1000, low=1, high=10_000),
        delivery_max_attempts=reader.integer("DELIVERY_MAX_ATTEMPTS", 8, low=1, high=100),
        delivery_lease_seconds=reader.integer("DELIVERY_LEASE_SECONDS", 300, low=1, high=86_400),
        delivery_backoff_seconds=reader.integer("DELIVERY_BACKOFF_SECONDS", 30, low=0, high=86_400),
        delivery_backoff_max_seconds=reader.integer("DELIVERY_BACKOFF_MAX_SECONDS", 3600, low=0, high=604_800),
        delivery_poll_seconds=reader.integer("DELIVERY_POLL_SECONDS", 5, low=1, high=3600),
        delivery_send_concurrency=reader.integer("DELIVERY_SEND_CONCURRENCY", 16, low=1, high=256),
        log_format=reader.choice("LOG_FORMAT", "json" if app_env == "production" else "text", LOG_FORMATS),
        log_level=reader.choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error")),
        ratelimit_storage_uri=reader.text("RATELIMIT_STORAGE_URI", "memory://"),
        max_upload_mb=reader.integer("MAX_UPLOAD_MB", 10, low=1, high=1024),
        max_image_megapixels=reader.integer("MAX_IMAGE_MEGAPIXELS", 40, low=1, high=200),
        import_max_mb=reader.integer("IMPORT_MAX_MB", 100, low=1, high=1024),
        trusted_proxies=reader.integer("TRUSTED_PROXIES", 0, low=0, high=5),
        partner_tiers=reader.slug_list("PARTNER_TIERS", DEFAULT_TIERS),
        kit_build_processes=reader.integer("KIT_BUILD_PROCESSES", 2, low=1, high=32),
        tier_downgrade_notice_days=reader.integer("TIER_DOWNGRADE_NOTICE_DAYS", 90, low=0, high=730),
        portal_sign_in_per_hour=reader.integer("PORTAL_SIGN_IN_PER_HOUR", 5, low=1, high=1000),
        # Tried after the reader's own language and before the item's default; may be empty ("none").
        fallback_locales=reader.locale_list("FALLBACK_LOCALES", ("en",)),
        dkim=_dkim(reader, mail_from),
        bounce_address=_bounce_address(reader),
        bounce_mailbox=_mailbox(reader),
        bounce_mailbox_poll_minutes=reader.integer("BOUNCE_MAILBOX_POLL_MINUTES", 5, low=1, high=1440),
        soft_bounce_limit=reader.integer("SOFT_BOUNCE_LIMIT", 3, low=1, high=100),
        ses_topic_arns=_topic_arns(reader),
        postmark_webhook_user=reader.text("POSTMARK_WEBHOOK_USER", ""),
        postmark_webhook_password=_postmark_password(reader),
        audit_retention_days=reader.integer("AUDIT_RETENTION_DAYS", 730, low=30, high=36_500),
        storage_downloads=reader.choice("STORAGE_DOWNLOADS", "stream", STORAGE_DOWNLOADS),
        s3_endpoint_url=_optional_url(reader, "S3_ENDPOINT_URL"),
        aws_region=reader.text("AWS_REGION", reader.text("AWS_DEFAULT_REGION", "")),
        **_aws_keys(reader),
        aws_session_token=reader.text("AWS_SESSION_TOKEN", ""),
        api_rate_limit=_rate_limit(reader),
        api_max_body_mb=reader.integer("API_MAX_BODY_MB", 5, low=1, high=100),
        ratelimit_key_prefix=_key_prefix(reader),
        webhook_max_attempts=reader.integer("WEBHOOK_MAX_ATTEMPTS", 10, low=1, high=50),
        webhook_timeout_seconds=reader.integer("WEBHOOK_TIMEOUT_SECONDS", 10, low=1, high=120),
        tracking=reader.choice("TRACKING", "opens_and_clicks", TRACKING_MODES),
        tracking_link_days=reader.integer("TRACKING_LINK_DAYS", 400, low=30, high=3650),
    )
