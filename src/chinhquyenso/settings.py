"""Settings of Chính quyền số: every knob comes from an environment variable.

See docs/configuration.md for the list. Errors in the environment raise
ImproperlyConfigured with one sentence that says what to fix; manage.py prints
that sentence instead of a traceback.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("CQS_BASE_DIR", PACKAGE_DIR.parent.parent))
VAR_DIR = Path(os.environ.get("CQS_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"Biến môi trường {name}={raw!r} không hợp lệ: hãy dùng 1/0, true/false "
        f"(environment variable {name} must be a boolean)."
    )


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY chưa được đặt: khi DEBUG tắt, hãy đặt biến môi trường SECRET_KEY "
            "(SECRET_KEY is required when DEBUG is off)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Database ---------------------------------------------------------------
DEFAULT_SQLITE_PATH = VAR_DIR / "db.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or ""
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # WhiteNoise expects STATIC_ROOT
if not DATABASE_URL:
    DATABASE_URL = f"sqlite:///{DEFAULT_SQLITE_PATH}"
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except (ValueError, KeyError) as exc:  # unknown scheme, malformed URL
    raise ImproperlyConfigured(
        f"DATABASE_URL không hợp lệ ({exc}): hãy dùng dạng sqlite:///duong/dan.sqlite3 hoặc "
        "postgres://user@host:5432/ten_csdl (DATABASE_URL is malformed)."
    ) from exc
if _db.get("ENGINE") not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL dùng hệ CSDL không được hỗ trợ ({_db.get('ENGINE')}): chỉ hỗ trợ "
        "SQLite và PostgreSQL (only SQLite and PostgreSQL are supported)."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write
        # lock when a transaction starts, so concurrent writers queue instead of
        # failing half-way (numbering and the audit chain rely on it).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # A file, not memory, so that tests can run real concurrent writers on SQLite too.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].setdefault("connect_timeout", 5)
    # Parameters bound by the server and statements prepared once per connection: the
    # ORM sends the same statements again and again, and planning them (joins) costs the
    # server more than running them (on the dossier lifecycle, 60% of its CPU). On by
    # default; raw SQL must not repeat a parameterised expression (e.g. in SELECT and
    # GROUP BY: the server sees two parameters it cannot match; group by position).
    # DB_PREPARED_STATEMENTS=0 turns it off, e.g. behind a pooler that cannot keep
    # prepared statements (PgBouncer in transaction mode before 1.21).
    if env_bool("DB_PREPARED_STATEMENTS", True):
        _db["OPTIONS"].setdefault("server_side_binding", True)
        _db["OPTIONS"].setdefault("prepare_threshold", 5)
    _db["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, background tasks -----------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # Sessions read from the shared cache, written to both: one query less per request.
    # (Not with the local-memory cache: another process would keep a session that ended.)
    SESSION_ENGINE = "chinhquyenso.core.sessions.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    SESSION_ENGINE = "chinhquyenso.core.sessions.db"
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0", "DEFAULT_TIMEOUT": 600}}

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "django_rq",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "chinhquyenso.core",
    "chinhquyenso.org",
    "chinhquyenso.procedures",
    "chinhquyenso.dossiers",
    "chinhquyenso.identity",
    "chinhquyenso.community",
    "chinhquyenso.documents",
    "chinhquyenso.indicators",
    "chinhquyenso.plans",
    "chinhquyenso.demo",
    # Citizens' login: OpenID Connect relying party, and the development identity
    # provider (always installed so every environment has the same tables; served
    # only when DEVIDP_ENABLED, see chinhquyenso/devidp/apps.py).
    "mozilla_django_oidc",
    "oauth2_provider",
    "chinhquyenso.devidp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "chinhquyenso.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "chinhquyenso.org.second_factor.SecondFactorMiddleware",
    "chinhquyenso.core.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "chinhquyenso.urls"
WSGI_APPLICATION = "chinhquyenso.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chinhquyenso.core.context_processors.platform",
            ],
        },
    },
]

# --- Authentication ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with a prebuilt read of the user; sessions that name
    # ModelBackend (made before 26 November 2026) are read as its own (core/sessions.py).
    "chinhquyenso.org.auth_backend.PasswordBackend",
    "chinhquyenso.identity.oidc.CitizenOIDCBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "org:workspace"
LOGOUT_REDIRECT_URL = "home"

# Login throttling: after AXES_FAILURE_LIMIT failures for one user name from one
# address, further attempts are refused for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "chinhquyenso.org.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = False  # SessionActivityMiddleware touches it once a minute
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and env_bool("HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
FORMAT_MODULE_PATH = ["chinhquyenso.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Official documents: signatures -------------------------------------------
# Trusted root certificates (PEM/DER files) for verifying signatures: a directory the IT
# department manages with `manage.py import_trust_roots`, plus extra files or directories.
CQS_TRUST_DIR = Path(os.environ.get("CQS_TRUST_DIR", VAR_DIR / "trust"))
CQS_TRUST_ROOTS = env_list("CQS_TRUST_ROOTS")
# An RFC 3161 timestamp authority for signatures (empty: signing time as declared).
CQS_TSA_URL = os.environ.get("CQS_TSA_URL", "")
CQS_TSA_AUTH = os.environ.get("CQS_TSA_AUTH", "")
# LibreOffice's soffice for converting Word drafts to PDF (empty: found on PATH, if any).
CQS_SOFFICE = os.environ.get("CQS_SOFFICE", "")
# The indicators' dashboards run their independent reads at once on PostgreSQL, each
# worker thread on its own connection (indicators/concurrent_reads.py).
CQS_CONCURRENT_READS = env_bool("CQS_CONCURRENT_READS", True)

# --- Static files (served by the app through WhiteNoise; no CDN) ---------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES_DIR = Path(os.environ.get("CQS_NODE_MODULES", BASE_DIR / "node_modules"))
STATICFILES_DIRS = [("vendor/htmx", NODE_MODULES_DIR / "htmx.org" / "dist")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The run command collects static files into STATIC_ROOT (compressed copies for
# production); finders let a fresh checkout and the tests serve them uncollected.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# --- E-mail ----------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "khong-tra-loi@chinhquyenso.local")
SMS_SENDER = os.environ.get("SMS_SENDER", "chinhquyenso.core.sms.LogSender")

# --- Dossiers ---------------------------------------------------------------------
DOSSIER_MAX_UPLOAD_MB = int(os.environ.get("DOSSIER_MAX_UPLOAD_MB", "10"))
POPULATION_REGISTRY = os.environ.get(
    "POPULATION_REGISTRY", "chinhquyenso.identity.population.DemoPopulationRegistry")
COMPLAINT_ANSWER_DAYS = int(os.environ.get("COMPLAINT_ANSWER_DAYS", "10"))
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Platform --------------------------------------------------------------------
PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "Chính quyền số")
DEMO_MODE = env_bool("DEMO_MODE", False)

# --- Citizens' login: OpenID Connect (national SSO / VNeID, a broker, or devidp) -------
# The platform is a relying party (chinhquyenso/identity/oidc.py). With OIDC_ISSUER set
# it uses that provider; its endpoints come from the issuer's discovery document unless
# given below. With OIDC_ISSUER empty and DEVIDP_ENABLED on, it uses the development
# provider built into the site (issuer <site>/devidp, client registered automatically).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip().rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_TOKEN_ENDPOINT = os.environ.get("OIDC_TOKEN_ENDPOINT", "")
OIDC_JWKS_ENDPOINT = os.environ.get("OIDC_JWKS_ENDPOINT", "")
OIDC_USERINFO_ENDPOINT = os.environ.get("OIDC_USERINFO_ENDPOINT", "")
OIDC_ID_NUMBER_CLAIM = os.environ.get("OIDC_ID_NUMBER_CLAIM", "id_number")
OIDC_CLOCK_SKEW_SECONDS = int(os.environ.get("OIDC_CLOCK_SKEW_SECONDS", "60"))
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
OIDC_VERIFY_SSL = True
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "OIDC_ISSUER đã đặt nhưng thiếu OIDC_CLIENT_ID hoặc OIDC_CLIENT_SECRET: hãy đặt cả "
        "hai (OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET)."
    )
CITIZEN_LOGIN_REDIRECT_URL = "dossiers:mine"
# mozilla-django-oidc: the library's names, for the parts of it the platform uses.
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
OIDC_OP_AUTHORIZATION_ENDPOINT = OIDC_AUTHORIZATION_ENDPOINT
OIDC_OP_TOKEN_ENDPOINT = OIDC_TOKEN_ENDPOINT
OIDC_OP_USER_ENDPOINT = OIDC_USERINFO_ENDPOINT
OIDC_OP_JWKS_ENDPOINT = OIDC_JWKS_ENDPOINT
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True  # client_secret_basic, the OpenID Connect default
OIDC_AUTHENTICATION_CALLBACK_URL = "citizen_login_callback"
OIDC_STORE_ACCESS_TOKEN = False
OIDC_STORE_ID_TOKEN = False

# The development identity provider (chinhquyenso/devidp): on by default with DEBUG or
# DEMO_MODE, off otherwise; never turn it on in production. Its RS256 key comes from
# DEVIDP_RSA_KEY (PEM text) or is generated on first use into VAR_DIR/devidp-rsa.pem.
DEVIDP_ENABLED = env_bool("DEVIDP_ENABLED", DEBUG or DEMO_MODE)


def _devidp_private_key() -> str:
    from chinhquyenso.devidp.keys import load_or_create_private_key

    return os.environ.get("DEVIDP_RSA_KEY") or load_or_create_private_key(
        VAR_DIR / "devidp-rsa.pem")


if DEVIDP_ENABLED:
    from django.utils.functional import lazy

    _devidp_key = lazy(_devidp_private_key, str)()  # read or generated at first use
else:
    _devidp_key = ""
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": DEVIDP_ENABLED,
    "OIDC_RSA_PRIVATE_KEY": _devidp_key,
    "OAUTH2_VALIDATOR_CLASS": "chinhquyenso.devidp.validators.DevIdpValidator",
    "SCOPES": {"openid": "OpenID Connect", "profile": "Name, date of birth and sex"},
    "DEFAULT_SCOPES": ["openid"],
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"] if DEVIDP_ENABLED else ["https"],
    "ALLOW_LOCALHOST_LOOPBACK": True,  # any port on http://localhost (runserver, tests)
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
