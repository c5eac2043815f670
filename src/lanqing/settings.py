"""The one settings module; every value comes from an environment variable (see config.VARIABLES)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from lanqing.config import (
    ConfigError,
    database_from_url,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir() -> Path:
    """The data folder as an absolute path, decided once and passed on to every child process.

    Without LANQING_DATA_DIR it is ./var of the directory the first command started in; the resolved path goes
    back into the environment, so the web, worker and receiver processes a command starts use the same folder
    whatever their own working directory. A folder inside the installed package is refused: generated secrets
    and the database would end up in the source tree (or in site-packages) and could be committed or shipped.
    """
    path = Path(env_str("LANQING_DATA_DIR", "var")).expanduser().resolve()
    if path == PACKAGE_DIR or PACKAGE_DIR in path.parents:
        raise ConfigError(f"LANQING_DATA_DIR={str(path)!r} lies inside the lanqing package ({PACKAGE_DIR}); "
                          "set LANQING_DATA_DIR to a folder outside it, or start the command elsewhere")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"LANQING_DATA_DIR={str(path)!r}: cannot create the folder: {exc.strerror}") from exc
    os.environ["LANQING_DATA_DIR"] = str(path)
    return path


def _secret_key(data_dir: Path) -> str:
    key = env_str("LANQING_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ConfigError("LANQING_SECRET_KEY is shorter than 32 characters")
        return key
    # A generated key kept in the data folder, so sessions survive restarts without any set-up.
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


try:
    DATA_DIR = _data_dir()
    SECRET_KEY = _secret_key(DATA_DIR)
    DEBUG = env_bool("LANQING_DEBUG", False)
    HTTPS = env_bool("LANQING_HTTPS", False)
    ALLOWED_HOSTS = env_list("LANQING_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    CSRF_TRUSTED_ORIGINS = env_list("LANQING_CSRF_TRUSTED_ORIGINS", [])
    TIME_ZONE = env_str("LANQING_TIME_ZONE", "Asia/Shanghai")
    LANGUAGE_CODE = env_choice("LANQING_LANGUAGE", "zh-hans", ["zh-hans", "en"])
    SESSION_COOKIE_AGE = env_int("LANQING_SESSION_AGE_HOURS", 12, minimum=1) * 3600
    UPLOAD_MAX_BYTES = env_int("LANQING_UPLOAD_MAX_MB", 20, minimum=1) * 1024 * 1024
    PUBLIC_SITE = env_bool("LANQING_PUBLIC_SITE", False)
    LOG_LEVEL = env_choice("LANQING_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"])
    DATABASE_URL = env_str("LANQING_DATABASE_URL", f"sqlite:///{DATA_DIR / 'lanqing.sqlite3'}")
    DATABASES = {"default": database_from_url(
        DATABASE_URL, busy_seconds=env_int("LANQING_SQLITE_BUSY_SECONDS", 20, minimum=1))}
    # How far ahead of the receiver's clock a packet's DataTime may lie before its data is refused.
    DATA_TIME_TOLERANCE_MINUTES = env_int("LANQING_DATA_TIME_TOLERANCE_MINUTES", 120, minimum=1)
    # Outgoing e-mail for notifications; without a host, notifications stay in the in-app centre only.
    EMAIL_HOST = env_str("LANQING_EMAIL_HOST", "")
    EMAIL_PORT = env_int("LANQING_EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("LANQING_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = env_str("LANQING_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("LANQING_EMAIL_TLS", False)
    DEFAULT_FROM_EMAIL = env_str("LANQING_EMAIL_FROM", "lanqing@localhost")
    EMAIL_TIMEOUT = 20
    LANQING_SITE_URL = env_str("LANQING_SITE_URL", "http://localhost:8000")
    RAW_REJECTED_DAYS = env_int("LANQING_RAW_REJECTED_DAYS", 90)
    RAW_ACCEPTED_DAYS = env_int("LANQING_RAW_ACCEPTED_DAYS", 3650)
    PDF_FONT = env_str("LANQING_PDF_FONT", "")
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LANQING_TIME_ZONE={TIME_ZONE!r} is not a known time zone") from None
except ConfigError as error:
    # Fail at start with the variable's name, not deep inside a request.
    print(f"lanqing: configuration error: {error}", file=sys.stderr)
    raise SystemExit(2) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    # Installed for its static files: the API docs page then serves Swagger UI itself, not from a CDN that
    # an offline county network cannot reach.
    "ninja",
    "axes",
    "lanqing.org",
    "lanqing.monitoring",
    "lanqing.jobs",
    "lanqing.web",
    "lanqing.ui",
    "lanqing.api",
    "lanqing.notifications",
    "lanqing.cases",
    "lanqing.alerts",
    "lanqing.registry",
    "lanqing.workbench",
    "lanqing.reports",
    "lanqing.audit",
    "lanqing.public",
    "lanqing.winter",
    "lanqing.yearwork",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lanqing.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the audit trail reads the request's user when a change is recorded.
    "lanqing.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lanqing.web.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# django-axes' backend refuses a locked-out login first; Django's ModelBackend then checks the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesBackend", "django.contrib.auth.backends.ModelBackend"]
# Login throttling: five wrong passwords for one account from one address lock that pair out for 15 minutes,
# so a guesser elsewhere cannot lock the real user out of the account.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# No inline script anywhere: scripts come from our static files only. Styles may be inline (ECharts, Swagger UI
# and htmx set them), images may be data: URLs (Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# `lanqing web --public` serves the public pages only (lanqing.public_urls); the staff site serves both.
ROOT_URLCONF = "lanqing.public_urls" if PUBLIC_SITE else "lanqing.urls"
CSRF_FAILURE_VIEW = "lanqing.web.errors.csrf_failure"
WSGI_APPLICATION = "lanqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lanqing.web.navigation.navigation",
                "lanqing.notifications.context.unread",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    # Behind nginx, which terminates TLS and says so in X-Forwarded-Proto (README, Production).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = False

USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"
# Uploads above this are refused by the views with a message; Django's own limit is a backstop.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
