"""Django settings for Bilge. Every value comes from the environment (see bilge/conf.py and
docs/configuration.md); nothing here needs editing for an installation."""

import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from bilge.conf import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent
PROFILE = env("BILGE_PROFILE")
PRODUCTION = PROFILE == "production"
TESTING = PROFILE == "test" or "pytest" in sys.modules
DEBUG = PROFILE == "development"

DATA_DIR = Path(env("BILGE_DATA_DIR")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database and the task queue live here
MEDIA_ROOT = DATA_DIR / "files"  # outside the web root; served only through permission-checked views
MEDIA_URL = "/files/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_URL = "/static/"


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set in production (BILGE_PROFILE=production).")
    # Development: a key generated once. Written to a private temporary file and linked into
    # place, so processes starting together never read a partial key, and it is never readable
    # by others.
    import os

    path = DATA_DIR / "secret_key"
    if not path.exists():
        tmp = DATA_DIR / f".secret_key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS") + (["testserver"] if TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_htmx",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "huey.contrib.djhuey",
    "bilge.core",
    "bilge.web",
    "bilge.api",
    "bilge.servicedesk",
    "bilge.assets",
    "bilge.integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bilge.core.middleware.IdleSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "bilge.core.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bilge.core.middleware.AuditContextMiddleware",
    "bilge.core.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bilge.urls"
WSGI_APPLICATION = "bilge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bilge.web.context_processors.navigation",
            ],
            # Turkish-aware replacements of default filters (capfirst).
            "builtins": ["bilge.web.templatetags.bilge"],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
_default_db = f"sqlite:///{DATA_DIR / 'bilge.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or _default_db, conn_max_age=env_int("DATABASE_CONN_MAX_AGE")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers queue instead of failing; the audit chain relies on serialized writers.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not memory) so that a separate worker process in the tests sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The same backend, checking a kept connection without a round trip (bilge.core.postgresql).
        DATABASES["default"]["ENGINE"] = "bilge.core.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiler spends hundreds of milliseconds compiling the plan of a report or a
    # search that then runs for less: off for Bilge's connections (unless DATABASE_URL sets options).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) serve PostgreSQL; SQLite keeps their key columns, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache, sessions, tasks ---------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    HUEY = {"name": "bilge", "huey_class": "huey.PriorityRedisHuey", "url": REDIS_URL, "immediate": False,
            "consumer": {"workers": 2, "worker_type": "thread"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    HUEY = {"name": "bilge", "huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3"),
            "immediate": False, "consumer": {"workers": 2, "worker_type": "thread"}}

TASKS = {
    "default": {
        "BACKEND": "huey.contrib.djhuey.tasks_backend.HueyBackend",
        "OPTIONS": {"enqueue_on_commit": True},
    }
}
if TESTING:
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- Authentication -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "bilge.core.auth.UsernameOrEmailBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("BILGE_PASSWORD_MIN_LENGTH")}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "bilge.core.auth.CharacterClassValidator"},
]
BILGE_2FA_REQUIRED = env_bool("BILGE_2FA_REQUIRED", default=PRODUCTION)
SESSION_COOKIE_AGE = env_int("BILGE_SESSION_IDLE_MINUTES") * 60
# The age counts from the last request (an idle timeout): IdleSessionMiddleware saves the session
# at most once a minute for it, not on every request.
SESSION_SAVE_EVERY_REQUEST = False
OTP_TOTP_ISSUER = "Bilge"

AXES_FAILURE_LIMIT = env_int("BILGE_LOCKOUT_FAILURES")
AXES_COOLOFF_TIME = env_int("BILGE_LOCKOUT_MINUTES") / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "bilge.core.auth.lockout_response"
AXES_USERNAME_FORM_FIELD = "username"
BEHIND_PROXY = env_bool("BILGE_BEHIND_PROXY")
# One notion of the client's address for the lockout, the audit trail and everything else.
AXES_CLIENT_IP_CALLABLE = "bilge.core.middleware.client_ip"
AXES_VERBOSE = False

# --- Internationalisation ----------------------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [("tr", _("Turkish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
FORMAT_MODULE_PATH = ["bilge.formats"]

# --- Static files -----------------------------------------------------------------------------------
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if (DEBUG or TESTING)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("BILGE_UPLOAD_MAX_MB") * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail (Django 6.1 MAILERS) ------------------------------------------------------------------------
_email_backend = env("EMAIL_BACKEND") or ("smtp" if PRODUCTION else "console")
if TESTING:
    _email_backend = "locmem"
MAILERS = {
    "default": {
        "BACKEND": {
            "smtp": "django.core.mail.backends.smtp.EmailBackend",
            "console": "django.core.mail.backends.console.EmailBackend",
            "locmem": "django.core.mail.backends.locmem.EmailBackend",
        }.get(_email_backend, _email_backend),
        "OPTIONS": {
            "host": env("EMAIL_HOST"),
            "port": env_int("EMAIL_PORT"),
            "username": env("EMAIL_HOST_USER"),
            "password": env("EMAIL_HOST_PASSWORD"),
            "use_tls": env_bool("EMAIL_USE_TLS"),
            "use_ssl": env_bool("EMAIL_USE_SSL"),
        }
        if _email_backend == "smtp"
        else {},
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
BILGE_BASE_URL = env("BILGE_BASE_URL")  # links in e-mails
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "bilge.api.authentication.KeptTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["bilge.api.permissions.ModulePermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "bilge.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bilge.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",
                                 "rest_framework.renderers.BrowsableAPIRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Bilge API",
    "DESCRIPTION": "REST API of Bilge. Every list takes the same filters as the web interface.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Fields of the same name with different choices get names of their own (else a hash suffix).
    "ENUM_NAME_OVERRIDES": {
        "DeviceStatusEnum": "bilge.assets.models.devices.Device.Status",
    },
}

# --- Service desk ---------------------------------------------------------------------------------------
SERVICEDESK_REOPEN_DAYS = env_int("BILGE_REOPEN_DAYS")
SERVICEDESK_APPROVAL_LINK_DAYS = env_int("BILGE_APPROVAL_LINK_DAYS")
SERVICEDESK_ATTACHMENT_MAX_MB = env_int("BILGE_ATTACHMENT_MAX_MB")
SERVICEDESK_ATTACHMENT_TYPES = tuple(t.strip().lower().lstrip(".") for t in env_list("BILGE_ATTACHMENT_TYPES"))

# --- Security ---------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("BILGE_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SILENCED_SYSTEM_CHECKS += ["security.W021"]  # HSTS preload is a decision for the institution
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Logging ----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": env("BILGE_LOG_FORMAT")}},
    "root": {"handlers": ["console"], "level": env("BILGE_LOG_LEVEL")},
    "loggers": {"axes": {"level": "WARNING"}, "huey": {"level": "INFO"}},
}
