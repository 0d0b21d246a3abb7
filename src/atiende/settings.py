"""Settings, all from environment variables, with defaults that need nothing.

Embedded default: SQLite (WAL, BEGIN IMMEDIATE), in-process channel layer, in-process worker.
Scale-out: DATABASE_URL=postgres://..., REDIS_URL=redis://..., any number of web and worker
processes. See README's table of variables.
"""

import json
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("ATIENDE_VAR_DIR", PROJECT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment; else one generated once and kept in var/."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
# pytest sets PYTEST_VERSION before pytest-django reads these settings (a conftest runs too late);
# servers that tests start inherit it.
TESTING = "PYTEST_VERSION" in os.environ
DEBUG = env_bool("ATIENDE_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Public address, for links in mail and portal sign-in links.
SITE_URL = os.environ.get("ATIENDE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "atiende.core",
    "atiende.people",
    "atiende.inboxes",
    "atiende.mail",
    "atiende.conversations",
    "atiende.workflow",
    "atiende.chat",
    "atiende.helpcenter",
    "atiende.assistant",
    "atiende.accounts",
    "atiende.consent",
    "atiende.satisfaction",
    "atiende.reports",
    "atiende.sla",
    "atiende.social",
    "atiende.webhooks",
    "atiende.automations",
    "atiende.search",
    "atiende.realtime",
    "atiende.portal",
    "atiende.api",
    "atiende.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "atiende.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "atiende.urls"
ASGI_APPLICATION = "atiende.asgi.application"
AUTH_USER_MODEL = "people.User"
LOGIN_URL = "inbox:login"
LOGIN_REDIRECT_URL = "inbox:home"
LOGOUT_REDIRECT_URL = "inbox:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # A connection pool per process: under ASGI each request runs in a thread of its own,
        # so persistent per-thread connections (CONN_MAX_AGE) would pile up until PostgreSQL
        # refuses more.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("ATIENDE_DB_POOL_SIZE", "16")),
            "timeout": 20,
        }
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend plus a per-process queue for write transactions.
            "ENGINE": "atiende.core.sqlite",
            "NAME": os.environ.get("ATIENDE_SQLITE_PATH", str(VAR_DIR / "atiende.sqlite3")),
            "OPTIONS": {
                # Writes open with BEGIN IMMEDIATE: with deferred transactions, concurrent
                # read-then-write transactions fail with "database is locked" (SECURITY.md I7).
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA temp_store=MEMORY;"
                    "PRAGMA mmap_size=268435456;"
                    "PRAGMA cache_size=-32000;"
                ),
            },
            # In memory (per test process) unless a file is asked for.
            "TEST": {"NAME": os.environ.get("ATIENDE_SQLITE_TEST_PATH") or ":memory:"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Real-time fan-out --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# Parallel test workers (and the servers they start) share one Redis without hearing each other.
CHANNEL_PREFIX = os.environ.get("ATIENDE_CHANNEL_PREFIX") or (
    "atiende-test-{}-{}".format(
        os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8],
        os.environ.get("PYTEST_XDIST_WORKER", "main"),
    )
    if TESTING
    else "atiende"
)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels_redis' layer, reading this process's messages in batches.
            "BACKEND": "atiende.realtime.layer.BatchingRedisChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": CHANNEL_PREFIX,
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_PREFIX,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background worker ---------------------------------------------------------------------------
# The embedded worker runs inside each server process (needed with the in-process channel layer);
# with REDIS_URL it may be turned off and `python -m atiende worker` run as separate processes.
ATIENDE_EMBEDDED_WORKER = env_bool("ATIENDE_EMBEDDED_WORKER", True)
ATIENDE_WORKER_POLL_SECONDS = float(os.environ.get("ATIENDE_WORKER_POLL_SECONDS", "0.5"))
ATIENDE_TASK_MAX_ATTEMPTS = int(os.environ.get("ATIENDE_TASK_MAX_ATTEMPTS", "8"))
# Caps every task's lease (seconds; 0 keeps each task's own): how soon a task whose worker died
# is taken again.
ATIENDE_TASK_LEASE_SECONDS = int(os.environ.get("ATIENDE_TASK_LEASE_SECONDS", "0"))
# In the embedded mode, also follow the email inboxes that have IMAP settings, in a thread of the
# server process (scale-out runs `python -m atiende fetch_mail` instead).
ATIENDE_EMBEDDED_FETCH_MAIL = env_bool("ATIENDE_EMBEDDED_FETCH_MAIL", True)

# --- Files ---------------------------------------------------------------------------------------
# Attachments live outside any served path under random names; the app serves them after an
# access check (SECURITY.md: uploads).
MEDIA_ROOT = os.environ.get("ATIENDE_FILES_DIR", str(VAR_DIR / "files"))
MEDIA_URL = None
ATIENDE_MAX_ATTACHMENT_BYTES = int(os.environ.get("ATIENDE_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024))
ATIENDE_MAX_ATTACHMENTS_PER_MESSAGE = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024

STATIC_URL = "/static/"
STATIC_ROOT = os.environ.get("ATIENDE_STATIC_ROOT", str(VAR_DIR / "static"))
STATICFILES_DIRS = [("vendor/htmx", str(PROJECT_DIR / "node_modules" / "htmx.org" / "dist"))]
# Served from collected, hashed files (`collectstatic`, run by `make run`); tests and development
# serve straight from the apps' folders instead.
STATIC_FROM_FINDERS = DEBUG or env_bool("ATIENDE_STATIC_FINDERS", TESTING)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_FINDERS
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_FINDERS
WHITENOISE_AUTOREFRESH = STATIC_FROM_FINDERS

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")

# --- Security ------------------------------------------------------------------------------------
HTTPS = env_bool("ATIENDE_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# Proxy headers are honoured only when configured (Zammad CVE-2020-26030).
if env_bool("ATIENDE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: scripts and styles are static files (htmx included).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "ws:", "wss:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if env_bool("ATIENDE_FAST_PASSWORD_HASHER", TESTING)
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ]
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Rate limits: (requests, seconds) per client address.
ATIENDE_RATE_LIMITS = {
    "login": (10, 60),
    "help_form": (5, 60),
    "portal_link": (5, 300),
}
ATIENDE_RATE_LIMIT_ENABLED = env_bool("ATIENDE_RATE_LIMIT_ENABLED", True)
# Portal sign-in links: signed, single use, expiring.
ATIENDE_PORTAL_LINK_MAX_AGE = int(os.environ.get("ATIENDE_PORTAL_LINK_MAX_AGE", 3600))
# How long a satisfaction survey link works (seconds; 14 days).
ATIENDE_SURVEY_LINK_MAX_AGE = int(os.environ.get("ATIENDE_SURVEY_LINK_MAX_AGE", 14 * 24 * 3600))
# Accounts and consent (docs/accounts.md, docs/consent.md), in seconds.
ATIENDE_APPROVAL_MAX_AGE = int(os.environ.get("ATIENDE_APPROVAL_MAX_AGE", 48 * 3600))
ATIENDE_RENEWAL_INTERVAL = int(os.environ.get("ATIENDE_RENEWAL_INTERVAL", 3600))
ATIENDE_GRANT_READ_DEDUP_SECONDS = int(os.environ.get("ATIENDE_GRANT_READ_DEDUP_SECONDS", 300))
# A chat reply unread this long is emailed to a visitor who left an address.
ATIENDE_CHAT_UNREAD_EMAIL_SECONDS = int(os.environ.get("ATIENDE_CHAT_UNREAD_EMAIL_SECONDS", 300))
# How often SLA breaches are looked for, and time-based automation rules checked (seconds).
ATIENDE_SLA_CHECK_SECONDS = int(os.environ.get("ATIENDE_SLA_CHECK_SECONDS", 60))
ATIENDE_AUTOMATIONS_CHECK_SECONDS = int(os.environ.get("ATIENDE_AUTOMATIONS_CHECK_SECONDS", 3600))


# Mail that the core sends (portal links, Help form notifications); the email channel has its
# own per-inbox SMTP settings.
# ATIENDE_SMTP_URL=smtp://user:password@host:587?tls=1 (or ssl=1) sends real mail; without it,
# mail is printed on the console (development).
def _mailer() -> dict[str, object]:
    url = os.environ.get("ATIENDE_SMTP_URL", "")
    if not url:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": parts.hostname or "localhost",
            "port": parts.port or 25,
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_tls": query.get("tls", ["0"])[0] == "1",
            "use_ssl": query.get("ssl", ["0"])[0] == "1",
            "timeout": 20,
        },
    }


def _json_env(name: str) -> Any:
    """A JSON value from the environment (None when unset); a clear error when it is not JSON."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from exc


# Customer accounts (docs/accounts.md): the business's own back end, when it has one, and the
# per-role limits of money actions in minor units per customer and window (JSON objects such as
# {"agent": 5000, "supervisor": 50000, "admin": null}; unset: the defaults in accounts/policy.py).
ATIENDE_ACCOUNT_PROVIDER_URL = os.environ.get("ATIENDE_ACCOUNT_PROVIDER_URL", "")
ATIENDE_ACCOUNT_PROVIDER_SECRET = os.environ.get("ATIENDE_ACCOUNT_PROVIDER_SECRET", "")
ATIENDE_ACCOUNT_PROVIDER_TIMEOUT = float(os.environ.get("ATIENDE_ACCOUNT_PROVIDER_TIMEOUT", "10"))
ATIENDE_REFUND_LIMITS = _json_env("ATIENDE_REFUND_LIMITS")
ATIENDE_CREDIT_LIMITS = _json_env("ATIENDE_CREDIT_LIMITS")
ATIENDE_ACCOUNT_LIMIT_WINDOW_DAYS = int(os.environ.get("ATIENDE_ACCOUNT_LIMIT_WINDOW_DAYS", "30"))
# Where a withdrawal freeze's confirmation link goes: "email" (the verified address only,
# so the agent never holds it; without one, the conversation) or "conversation".
ATIENDE_ACCOUNT_CONFIRM_CHANNEL = os.environ.get("ATIENDE_ACCOUNT_CONFIRM_CHANNEL", "email")

# Optional generative answers (docs/assistant.md): an OpenAI-compatible chat-completions server.
ATIENDE_LLM_URL = os.environ.get("ATIENDE_LLM_URL", "")
ATIENDE_LLM_MODEL = os.environ.get("ATIENDE_LLM_MODEL", "")
ATIENDE_LLM_API_KEY = os.environ.get("ATIENDE_LLM_API_KEY", "")
ATIENDE_LLM_TIMEOUT = float(os.environ.get("ATIENDE_LLM_TIMEOUT", "10"))

MAILERS = {"default": _mailer()}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "support@atiende.localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.channels.server": {"level": "WARNING"}},
}
