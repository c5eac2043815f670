"""Environment variables read by settings.py, each with its default and meaning.

The README's configuration table is generated from VARIABLES, so the two never disagree.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class ConfigError(Exception):
    """A bad environment value; the message names the variable."""


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


VARIABLES = [
    Variable("LANQING_DATABASE_URL", "sqlite:///<data dir>/lanqing.sqlite3",
             "Database for every command: sqlite:///path or postgresql://user:pass@host:port/name"),
    Variable("LANQING_DATA_DIR", "./var", "Folder for the SQLite file, uploads, logs and generated secrets; "
             "resolved once where the first command starts, never inside the installed package"),
    Variable("LANQING_SECRET_KEY", "generated once into <data dir>/secret_key",
             "Django secret key (or LANQING_SECRET_KEY_FILE pointing at a file that holds it)"),
    Variable("LANQING_DEBUG", "false", "Show debug pages (true/false); never true in production"),
    Variable("LANQING_HTTPS", "false", "The site is served over HTTPS behind a proxy that sets X-Forwarded-Proto "
             "(true/false): secure cookies and HSTS; true in production"),
    Variable("LANQING_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "Comma-separated host names the site answers to"),
    Variable("LANQING_CSRF_TRUSTED_ORIGINS", "(empty)", "Comma-separated origins (https://host) allowed to post forms"),
    Variable("LANQING_TIME_ZONE", "Asia/Shanghai", "Time zone in which times are shown and entered"),
    Variable("LANQING_LANGUAGE", "zh-hans", "Default language of the interface: zh-hans or en"),
    Variable("LANQING_SESSION_AGE_HOURS", "12", "Hours after which a login session expires"),
    Variable("LANQING_UPLOAD_MAX_MB", "20", "Largest file accepted by an upload page, in MB"),
    Variable("LANQING_PUBLIC_SITE", "false", "Serve only the public pages (reports, tracking, quality, Open311) "
             "(true/false); `lanqing web --public` sets it"),
    Variable("LANQING_LOG_LEVEL", "INFO", "Log level: DEBUG, INFO, WARNING, ERROR"),
    Variable("LANQING_EMAIL_HOST", "(empty: no e-mail)", "SMTP server for notification e-mail (the worker sends it)"),
    Variable("LANQING_EMAIL_PORT", "25", "SMTP port"),
    Variable("LANQING_EMAIL_USER", "(empty)", "SMTP user name, if the server wants a login"),
    Variable("LANQING_EMAIL_PASSWORD", "(empty)", "SMTP password (or LANQING_EMAIL_PASSWORD_FILE)"),
    Variable("LANQING_EMAIL_TLS", "false", "Use STARTTLS with the SMTP server (true/false)"),
    Variable("LANQING_EMAIL_FROM", "lanqing@localhost", "Sender address of notification e-mail"),
    Variable("LANQING_SITE_URL", "http://localhost:8000", "Address of the site, for links in e-mail"),
    Variable("LANQING_RAW_REJECTED_DAYS", "90", "Days rejected raw packets (unknown MNs, junk, wrong passwords) are "
             "kept for audit before the worker deletes them; 0 keeps them"),
    Variable("LANQING_RAW_ACCEPTED_DAYS", "3650", "Days accepted raw packets are kept (replay and audit need them) "
             "before the worker deletes them; 0 keeps them"),
    Variable("LANQING_PDF_FONT", "", "A font file (.ttf, .otf or .ttc) with Chinese characters for PDF reports; "
             "empty: Noto CJK or WenQuanYi from the system's fonts"),
    Variable("LANQING_SQLITE_BUSY_SECONDS", "20", "On SQLite: seconds a process waits for another writer before "
             "it backs off and tries its write again"),
    Variable("LANQING_DATA_TIME_TOLERANCE_MINUTES", "120", "Minutes a packet's DataTime may lie ahead of the "
             "receiver's clock; later data is refused and kept only as a raw packet"),
]


def env_str(name: str, default: str) -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE: cannot read {file_name}: {exc.strerror}") from exc
    return os.environ.get(name, default)


def secret_key_file_ensure() -> Path | None:
    """Writes a new random key to the file LANQING_SECRET_KEY_FILE names when that file does not exist yet.

    Returns the file when it wrote one. Only ``lanqing init`` calls it: every other command reading a missing
    key file stops with the variable's name, since a key invented there would not be the other processes' key.
    The file and any folder made for it are readable by their owner only (0600, 0700).
    """
    name = os.environ.get("LANQING_SECRET_KEY_FILE")
    if not name:
        return None
    path = Path(name)
    if path.exists():
        return None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: two inits started together never overwrite each other's key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    except OSError as exc:
        raise ConfigError(f"LANQING_SECRET_KEY_FILE: cannot create {name}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(secrets.token_urlsafe(48) + "\n")
    return path


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean; use true or false")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ConfigError(f"{name}={value!r} is not one of: {', '.join(choices)}")
    return value


def database_from_url(url: str, *, name: str = "LANQING_DATABASE_URL", busy_seconds: int = 20) -> dict:
    """Django DATABASES['default'] from sqlite:///path or postgresql://user:pass@host:port/db."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # As in most tools: sqlite:///relative/file and sqlite:////absolute/file.
        if not url.startswith("sqlite:///"):
            raise ConfigError(f"{name}={url!r}: write sqlite:///relative/path or sqlite:////absolute/path")
        path = unquote(url[len("sqlite:///"):].split("?", 1)[0])
        if not path:
            raise ConfigError(f"{name}={url!r} names no file; use sqlite:///path/to/file.sqlite3")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # WAL lets the web, worker and receiver processes read while one writes; a busy writer
            # makes others wait up to ``busy_seconds`` in SQLite, then lanqing.locked retries the transaction.
            "OPTIONS": {
                "timeout": busy_seconds,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            # Opening a connection costs more than a small page (Django registers its SQL functions, the pragmas
            # run, SQLite parses the ~300-object schema): each web thread keeps its own for a minute instead.
            # Between requests it holds no transaction, so it blocks no writer and no WAL checkpoint.
            "CONN_MAX_AGE": 60,
            "TEST": {"NAME": os.environ.get("LANQING_TEST_SQLITE_NAME") or None},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        database = parts.path.lstrip("/")
        if not database:
            raise ConfigError(f"{name}={url!r} names no database; add /dbname at the end")
        try:
            port = parts.port or 5432
        except ValueError:
            raise ConfigError(f"{name}={url!r} has a bad port") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(database),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port),
            "OPTIONS": options,
            "CONN_MAX_AGE": 60,
        }
    raise ConfigError(f"{name}={url!r}: the scheme must be sqlite or postgresql")
