"""Reading configuration from the environment.

Every setting Bilge reads is listed in ``SETTINGS`` with its default and its help text, so the
documentation (docs/configuration.md) and ``bilge settings_doc`` come from one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: dict[str, Setting] = {}


def _declare(name: str, default: str | None, help: str) -> None:
    SETTINGS[name] = Setting(name, default, help)


_declare("BILGE_PROFILE", "development",
         "development (make run, DEBUG on), production (secure cookies, HSTS, DEBUG off) or test.")
_declare("BILGE_DATA_DIR", "./var",
         "Directory for the embedded SQLite database, uploaded files, the task queue and backups.")
_declare("DATABASE_URL", None,
         "Database. Default: sqlite:///$BILGE_DATA_DIR/bilge.sqlite3. "
         "Production: postgres://user:password@host:5432/bilge")
_declare("DATABASE_CONN_MAX_AGE", "60", "Seconds a database connection is kept open (PostgreSQL).")
_declare("REDIS_URL", None,
         "Optional. When set, the task queue, cache and sessions use Redis, so many web and "
         "worker processes on many machines share work. Example: redis://127.0.0.1:6379/0")
_declare("SECRET_KEY", None,
         "Signing key. Required in production; in development a key is generated once and kept "
         "in $BILGE_DATA_DIR/secret_key.")
_declare("ALLOWED_HOSTS", "127.0.0.1,localhost",
         "Comma-separated host names the server answers to.")
_declare("CSRF_TRUSTED_ORIGINS", "",
         "Comma-separated origins (https://bilge.example.bel.tr) when behind a reverse proxy.")
_declare("BILGE_BEHIND_PROXY", "false",
         "true when a reverse proxy terminates TLS and sets X-Forwarded-Proto / X-Forwarded-For.")
_declare("TIME_ZONE", "Europe/Istanbul", "Time zone for display and business calendars.")
_declare("LANGUAGE_CODE", "tr", "Default interface language: tr or en.")
_declare("EMAIL_BACKEND", None,
         "smtp, console or locmem. Default: smtp in production, console otherwise.")
_declare("EMAIL_HOST", "localhost", "SMTP server.")
_declare("EMAIL_PORT", "25", "SMTP port.")
_declare("EMAIL_HOST_USER", "", "SMTP user name.")
_declare("EMAIL_HOST_PASSWORD", "", "SMTP password.")
_declare("EMAIL_USE_TLS", "false", "STARTTLS to the SMTP server.")
_declare("EMAIL_USE_SSL", "false", "Implicit TLS to the SMTP server.")
_declare("DEFAULT_FROM_EMAIL", "bilge@localhost", "Sender address of Bilge's e-mails.")
_declare("BILGE_BASE_URL", "http://127.0.0.1:8000",
         "The address users open Bilge at (https://bilge.example.bel.tr); used for links in e-mails.")
_declare("BILGE_2FA_REQUIRED", None,
         "true: IT staff and administrators must sign in with a TOTP code. "
         "Default: true in production, false otherwise.")
_declare("BILGE_SESSION_IDLE_MINUTES", "30", "A session ends after this many minutes without a request.")
_declare("BILGE_LOCKOUT_FAILURES", "5",
         "Failed sign-ins (per account and per address) before the lockout.")
_declare("BILGE_LOCKOUT_MINUTES", "30", "How long a lockout lasts; an administrator can unlock earlier.")
_declare("BILGE_PASSWORD_MIN_LENGTH", "10", "Minimum password length.")
_declare("BILGE_LOG_FORMAT", "text", "text or json (one JSON object per line, for log collectors).")
_declare("BILGE_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR.")
_declare("BILGE_UPLOAD_MAX_MB", "20", "Largest accepted request body without its files (form fields), in megabytes.")
_declare("BILGE_ATTACHMENT_MAX_MB", "10", "Largest file that can be attached to a ticket, in megabytes.")
_declare("BILGE_WEBHOOK_MAX_ATTEMPTS", "10",
         "Attempts to deliver one webhook call (with growing pauses, at most an hour apart) before giving up.")
_declare("BILGE_WEBHOOK_TIMEOUT", "10",
         "Seconds to wait for a webhook receiver's answer, unless the webhook sets its own.")
_declare("BILGE_ATTACHMENT_TYPES", "pdf,png,jpg,jpeg,gif,webp,txt,log,csv,xlsx,xls,docx,doc,odt,ods,pptx,zip,eml,msg",
         "File extensions accepted as ticket and article attachments (comma-separated). Executables are refused "
         "whatever their name, and a file's content must match its extension where it can be recognised.")
_declare("BILGE_REOPEN_DAYS", "10", "A resolved ticket can be reopened by its requester for this many days.")
_declare("BILGE_APPROVAL_LINK_DAYS", "7", "The signed approval link in the e-mail to an approver expires after this "
         "many days (the approval stays open in the approver's list).")


def env(name: str) -> str | None:
    """The raw value of a declared setting (the environment, else its default)."""
    setting = SETTINGS[name]
    return os.environ.get(name, setting.default)


def env_bool(name: str, default: bool | None = None) -> bool:
    value = env(name)
    if value is None or value == "":
        return bool(default)
    return value.strip().lower() in {"1", "true", "yes", "on", "evet"}


def env_int(name: str) -> int:
    return int(env(name))


def env_list(name: str) -> list[str]:
    return [item.strip() for item in (env(name) or "").split(",") if item.strip()]
