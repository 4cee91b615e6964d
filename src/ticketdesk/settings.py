"""Ticketdesk settings: one module, configured by the environment.

Every setting that differs between the embedded run and production is read from an
environment variable; see docs/configuration.md.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import dj_database_url
from csp import constants as csp_constants
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = Path(os.environ.get("TICKETDESK_HOME", Path.cwd()))
VAR_DIR = Path(os.environ.get("TICKETDESK_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded run keeps a generated key under var/ so sessions survive restarts.
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        SECRET_KEY = key_file.read_text().strip()
    else:
        from django.utils.crypto import get_random_string

        SECRET_KEY = get_random_string(64)
        try:
            VAR_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(SECRET_KEY)
            key_file.chmod(0o600)
        except OSError:
            pass

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # Swagger UI from its own static files, not a CDN (works offline)
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "django_otp",  # sign-in: second factor (see "Sign-in" below)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mozilla_django_oidc",
    "djangosaml2",
    "ticketdesk.core",
    "ticketdesk.audit",
    "ticketdesk.accounts",
    "ticketdesk.tickets",
    "ticketdesk.notifications",
    "ticketdesk.search",
    "ticketdesk.sla",
    "ticketdesk.routing",
    "ticketdesk.automation",
    "ticketdesk.channels.email",
    "ticketdesk.channels.messaging",
    "ticketdesk.channels.chat",
    "ticketdesk.kb",
    "ticketdesk.assets",
    "ticketdesk.timetracking",
    "ticketdesk.catalog",
    "ticketdesk.trackers",
    "ticketdesk.portal",
    "ticketdesk.reports",
    "ticketdesk.smart",
    "ticketdesk.api",
    "ticketdesk.workspace",
    "ticketdesk.configuration",
    "ticketdesk.privacy",
]

MIDDLEWARE = [
    "ticketdesk.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # with the pool: borrow the request's connection first, 503 + Retry-After if none comes
    "ticketdesk.core.database_pool.DatabasePoolMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # sign-in: is the second factor verified / required; which sessions are open
    "django_otp.middleware.OTPMiddleware",
    "djangosaml2.middleware.SamlSessionMiddleware",  # the SAML requests still awaiting an answer
    "ticketdesk.accounts.signin_middleware.SignInMiddleware",
    "ticketdesk.accounts.middleware.UserPreferencesMiddleware",
    "ticketdesk.privacy.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ticketdesk.urls"
WSGI_APPLICATION = "ticketdesk.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ticketdesk.core.context_processors.branding",
                "ticketdesk.accounts.context_processors.permissions",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL selects the database; the embedded default is SQLite (WAL) under var/.
# TICKETDESK_TEST_DATABASE_URL, when set, replaces it (the test suite uses it for PostgreSQL).
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'ticketdesk.sqlite3'}"
DATABASE_URL = os.environ.get("TICKETDESK_TEST_DATABASE_URL") or os.environ.get(
    "DATABASE_URL", DEFAULT_SQLITE_URL
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE: writers queue on the lock instead of failing on upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA busy_timeout=20000; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
    # Tests use a file (in memory-backed /dev/shm where there is one), not ":memory:": the
    # browser tests' live server answers from several threads, and threads sharing the one
    # in-memory connection raced ("no such savepoint", "table is locked"). One file per process.
    _shm = "/dev/shm"  # noqa: S108 -- test databases only, named by process id
    _test_dir = _shm if os.access(_shm, os.W_OK) else tempfile.gettempdir()
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TICKETDESK_SQLITE_TEST_NAME")
        or os.path.join(_test_dir, f"ticketdesk-test-{os.getpid()}.sqlite3")
    }
else:
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("TICKETDESK_PG_TEST_NAME", f"test_ticketdesk_{os.getpid()}")
    }
    # Prepared statements (docs/production.md, "PostgreSQL connections"): with server-side
    # binding psycopg prepares a statement on its connection once it has run
    # TICKETDESK_DB_PREPARE_THRESHOLD times, so the ticket page's 10-table join is planned
    # once per connection, not per request. 0 turns both off (client-side binding, as
    # Django's default), e.g. behind PgBouncer older than 1.21 in transaction mode.
    _prepare_threshold = int(os.environ.get("TICKETDESK_DB_PREPARE_THRESHOLD", "5"))
    _pg_options: dict[str, Any] = {}
    if _prepare_threshold > 0:
        _pg_options.update(server_side_binding=True, prepare_threshold=_prepare_threshold)
    # Django's own pool (psycopg_pool): connections, and what they prepared, are kept
    # across requests; a request takes one at its first query and gives it back when it
    # ends, a chat stream gives it back while it waits (docs/production.md). The web
    # processes (wsgi.py) default to a pool of 10 connections; other processes (workers,
    # commands, tests) to none. TICKETDESK_DB_POOL=max size per process (0: no pool, a
    # persistent connection per thread for CONN_MAX_AGE instead). A request that waits
    # TICKETDESK_DB_POOL_TIMEOUT seconds for a connection is answered 503 + Retry-After.
    _pool_size = int(os.environ.get("TICKETDESK_DB_POOL", "0"))
    if _pool_size > 0:
        _pg_options["pool"] = {
            "name": "ticketdesk",
            "min_size": min(2, _pool_size),
            "max_size": _pool_size,
            "timeout": float(os.environ.get("TICKETDESK_DB_POOL_TIMEOUT", "10")),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps the connections
        # a connection the server closed (a restart, a failover) is replaced, not handed out
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_pg_options}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TICKETDESK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "mail", "webhooks", "reports"],
    }
}

# --- Caches ---------------------------------------------------------------------------------
# The cache holds the rate-limit counters (guest forms, API tokens, mail loop protection):
# every process must see the same one. REDIS_URL in production; `ticketdesk run` (several
# processes on one machine) sets TICKETDESK_CACHE=file; a lone process keeps it in memory.
CACHES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ticketdesk_cache",
    }
}
if env_bool("TICKETDESK_DB_CACHE", False):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ticketdesk_cache",
    }
elif os.environ.get("TICKETDESK_CACHE") == "file":
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    }
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

# --- Security -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SECURE_HTTPS = env_bool("SECURE_HTTPS", SITE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))

# --- Hardening (issue 19): sign-in throttling, client IP, CSP, file modes, secrets ------------
# Addresses or networks of the reverse proxies whose X-Forwarded-For we believe; none by
# default, and then the client is REMOTE_ADDR (docs/configuration.md, "Behind a proxy").
TICKETDESK_TRUSTED_PROXIES = env_list("TICKETDESK_TRUSTED_PROXIES", "")
# django-axes: failed sign-ins counted in the database per (username, client IP) pair.
# (its backend goes first in AUTHENTICATION_BACKENDS: see after the sign-in block below)
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("TICKETDESK_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = float(os.environ.get("TICKETDESK_LOGIN_LOCKOUT_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "ticketdesk.accounts.throttle.client_ip_or_none"
AXES_LOCKOUT_CALLABLE = "ticketdesk.accounts.throttle.lockout_response"
AXES_VERBOSE = False
# Files Ticketdesk creates (attachments, the SQLite database and its -wal/-shm, mail files,
# exports) are readable by its own user only: the `ticketdesk` command and wsgi.py set this
# umask; core/files.py tightens what an older version left open.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
TICKETDESK_UMASK = int(os.environ.get("TICKETDESK_UMASK", "077"), 8)
# Secrets at rest (mailbox passwords, webhook secrets, OAuth tokens): Fernet keys, the first
# encrypts and all decrypt; empty: a key derived from SECRET_KEY (core/encryption.py).
TICKETDESK_ENCRYPTION_KEYS = env_list("TICKETDESK_ENCRYPTION_KEY", "")
# Content-Security-Policy with a per-request nonce (django-csp): no inline script or style
# runs unless it carries `nonce="{{ request.csp_nonce }}"`; plus Permissions-Policy
# (core/security_headers.py). Swagger UI is served from the ninja app's static files.
INSTALLED_APPS += ["csp"]
MIDDLEWARE += [
    "csp.middleware.CSPMiddleware",
    "ticketdesk.core.security_headers.PermissionsPolicyMiddleware",
]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        "style-src": ["'self'", csp_constants.NONCE],
        "img-src": ["'self'", "data:", "https:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
    }
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)

# --- Sign-in: 2FA, OIDC, LDAP (docs/configuration.md, "Sign-in: 2FA, OIDC, LDAP") -----------
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
OTP_TOTP_ISSUER = os.environ.get("TICKETDESK_BRAND_NAME", "Ticketdesk")
# a password-checked sign-in waits this long for its second factor
TWO_FACTOR_PENDING_SECONDS = int(os.environ.get("TICKETDESK_2FA_PENDING_SECONDS", "300"))
# the domain passkeys belong to (default: the host name the browser used)
WEBAUTHN_RP_ID = os.environ.get("TICKETDESK_WEBAUTHN_RP_ID", "")

OIDC_ENABLED = bool(os.environ.get("TICKETDESK_OIDC_CLIENT_ID"))
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("ticketdesk.accounts.oidc.OIDCBackend")
OIDC_PROVIDER_NAME = os.environ.get("TICKETDESK_OIDC_PROVIDER_NAME", "OpenID Connect")
OIDC_RP_CLIENT_ID = os.environ.get("TICKETDESK_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("TICKETDESK_OIDC_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("TICKETDESK_OIDC_ISSUER", "").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get(
    "TICKETDESK_OIDC_AUTHORIZATION_ENDPOINT", f"{OIDC_OP_ISSUER}/authorize/"
)
OIDC_OP_TOKEN_ENDPOINT = os.environ.get(
    "TICKETDESK_OIDC_TOKEN_ENDPOINT", f"{OIDC_OP_ISSUER}/token/"
)
OIDC_OP_USER_ENDPOINT = os.environ.get(
    "TICKETDESK_OIDC_USERINFO_ENDPOINT", f"{OIDC_OP_ISSUER}/userinfo/"
)
OIDC_OP_JWKS_ENDPOINT = os.environ.get(
    "TICKETDESK_OIDC_JWKS_ENDPOINT", f"{OIDC_OP_ISSUER}/.well-known/jwks.json"
)
OIDC_RP_SIGN_ALGO = os.environ.get("TICKETDESK_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = os.environ.get("TICKETDESK_OIDC_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = env_bool("TICKETDESK_OIDC_CREATE_USERS", False)
OIDC_ALLOWED_DOMAINS = [
    d.lower().lstrip("@") for d in env_list("TICKETDESK_OIDC_ALLOWED_DOMAINS", "")
]
OIDC_ROLE_CLAIM = os.environ.get("TICKETDESK_OIDC_ROLE_CLAIM", "groups")
# "claim value=role" pairs, e.g. "helpdesk-admins=admin,helpdesk=agent"
OIDC_ROLE_MAP = dict(
    item.split("=", 1) for item in env_list("TICKETDESK_OIDC_ROLE_MAP", "") if "=" in item
)
OIDC_DEFAULT_ROLE = os.environ.get("TICKETDESK_OIDC_DEFAULT_ROLE", "customer")
# the identity provider enforces its own multi-factor policy: its sign-ins count as 2FA
OIDC_SATISFIES_TWO_FACTOR = env_bool("TICKETDESK_OIDC_SATISFIES_2FA", True)
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"

SAML_ENABLED = bool(os.environ.get("TICKETDESK_SAML_IDP_METADATA"))
if SAML_ENABLED:
    AUTHENTICATION_BACKENDS.append("ticketdesk.accounts.saml.SAMLBackend")
SAML_PROVIDER_NAME = os.environ.get("TICKETDESK_SAML_PROVIDER_NAME", "SAML")
SAML_IDP_METADATA = os.environ.get("TICKETDESK_SAML_IDP_METADATA", "")  # a file or an URL
SAML_SP_ENTITY_ID = os.environ.get("TICKETDESK_SAML_SP_ENTITY_ID", "")  # default: metadata URL
SAML_SP_KEY_FILE = os.environ.get("TICKETDESK_SAML_SP_KEY_FILE", "")  # signs our requests
SAML_SP_CERT_FILE = os.environ.get("TICKETDESK_SAML_SP_CERT_FILE", "")
SAML_XMLSEC_BINARY = os.environ.get("TICKETDESK_SAML_XMLSEC_BINARY", "/usr/bin/xmlsec1")
SAML_CLOCK_SKEW_SECONDS = int(os.environ.get("TICKETDESK_SAML_CLOCK_SKEW_SECONDS", "60"))
SAML_EMAIL_ATTRIBUTE = os.environ.get("TICKETDESK_SAML_EMAIL_ATTRIBUTE", "mail")
SAML_USERNAME_ATTRIBUTE = os.environ.get("TICKETDESK_SAML_USERNAME_ATTRIBUTE", "uid")
SAML_CREATE_USER = env_bool("TICKETDESK_SAML_CREATE_USERS", False)
SAML_ALLOWED_DOMAINS = [
    d.lower().lstrip("@") for d in env_list("TICKETDESK_SAML_ALLOWED_DOMAINS", "")
]
SAML_ROLE_ATTRIBUTE = os.environ.get("TICKETDESK_SAML_ROLE_ATTRIBUTE", "groups")
# "attribute value=role" pairs, e.g. "helpdesk-admins=admin,helpdesk=agent"
SAML_ROLE_MAP = dict(
    item.split("=", 1) for item in env_list("TICKETDESK_SAML_ROLE_MAP", "") if "=" in item
)
SAML_DEFAULT_ROLE = os.environ.get("TICKETDESK_SAML_DEFAULT_ROLE", "customer")
# only when the identity provider enforces its own multi-factor policy
SAML_SATISFIES_TWO_FACTOR = env_bool("TICKETDESK_SAML_SATISFIES_2FA", False)
# djangosaml2
SAML_CONFIG_LOADER = "ticketdesk.accounts.saml.sp_config"
SAML_ACS_FAILURE_RESPONSE_FUNCTION = "ticketdesk.accounts.saml.acs_failure"
SAML_SESSION_COOKIE_NAME = "saml_session"
SAML_CSP_HANDLER = ""

LDAP_ENABLED = bool(os.environ.get("TICKETDESK_LDAP_SERVER_URI"))
if LDAP_ENABLED:
    AUTHENTICATION_BACKENDS.insert(0, "ticketdesk.accounts.directory.LDAPBackend")
# django-axes before every real backend (hardening block above): a locked pair goes no further
AUTHENTICATION_BACKENDS.insert(0, "ticketdesk.accounts.throttle.LoginThrottleBackend")
AUTH_LDAP_SERVER_URI = os.environ.get("TICKETDESK_LDAP_SERVER_URI", "")
AUTH_LDAP_BIND_DN = os.environ.get("TICKETDESK_LDAP_BIND_DN", "")
AUTH_LDAP_BIND_PASSWORD = os.environ.get("TICKETDESK_LDAP_BIND_PASSWORD", "")
AUTH_LDAP_START_TLS = env_bool("TICKETDESK_LDAP_START_TLS", False)
LDAP_USER_BASE = os.environ.get("TICKETDESK_LDAP_USER_BASE", "")
LDAP_USER_FILTER = os.environ.get("TICKETDESK_LDAP_USER_FILTER", "(sAMAccountName=%(user)s)")
LDAP_GROUP_BASE = os.environ.get("TICKETDESK_LDAP_GROUP_BASE", "")
LDAP_ADMIN_GROUP = os.environ.get("TICKETDESK_LDAP_ADMIN_GROUP", "")
LDAP_AGENT_GROUP = os.environ.get("TICKETDESK_LDAP_AGENT_GROUP", "")
LDAP_DEFAULT_ROLE = os.environ.get("TICKETDESK_LDAP_DEFAULT_ROLE", "customer")
LDAP_SYNC_FILTER = os.environ.get("TICKETDESK_LDAP_SYNC_FILTER", "(objectClass=inetOrgPerson)")
LDAP_DEPARTMENT_ATTRIBUTE = os.environ.get("TICKETDESK_LDAP_DEPARTMENT_ATTRIBUTE", "department")
AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}
AUTH_LDAP_ALWAYS_UPDATE_USER = True
AUTH_LDAP_CACHE_TIMEOUT = 0
# the search objects (python-ldap) are built by ticketdesk.accounts.directory from the values above

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pt-br", _("Brazilian Portuguese")), ("it", _("Italian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
with contextlib.suppress(OSError):  # WhiteNoise warns about a missing STATIC_ROOT otherwise
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Attachments in an S3-compatible object store (AWS S3, MinIO, Ceph, ...) when a bucket is set;
# every web and worker machine then sees the same files (docs/production.md).
if os.environ.get("TICKETDESK_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["TICKETDESK_S3_BUCKET"],
            "endpoint_url": os.environ.get("TICKETDESK_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("TICKETDESK_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("TICKETDESK_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("TICKETDESK_S3_REGION") or None,
            "addressing_style": os.environ.get("TICKETDESK_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "location": os.environ.get("TICKETDESK_S3_PREFIX", ""),
            # never replace an object: a second file of the same name gets a suffix
            "file_overwrite": False,
            # the files are private: we stream them through our own permission checks
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }

# --- Email ----------------------------------------------------------------------------------
# Without EMAIL_HOST, outgoing mail is written to files under var/mail/ (one per message),
# where a developer can read it, instead of flooding the terminal `make run` prints to.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 30
# OAuth2 for the SMTP server (Microsoft 365, Google), with
# EMAIL_BACKEND=ticketdesk.channels.email.backends.OAuth2EmailBackend: SASL XOAUTH2 as
# EMAIL_HOST_USER with an access token refreshed from this refresh token (docs/email.md).
EMAIL_OAUTH2_TOKEN_URL = os.environ.get("EMAIL_OAUTH2_TOKEN_URL", "")
EMAIL_OAUTH2_CLIENT_ID = os.environ.get("EMAIL_OAUTH2_CLIENT_ID", "")
EMAIL_OAUTH2_CLIENT_SECRET = os.environ.get("EMAIL_OAUTH2_CLIENT_SECRET", "")
EMAIL_OAUTH2_REFRESH_TOKEN = os.environ.get("EMAIL_OAUTH2_REFRESH_TOKEN", "")
EMAIL_OAUTH2_SCOPES = os.environ.get("EMAIL_OAUTH2_SCOPES", "")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Ticketdesk <support@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Ticketdesk -----------------------------------------------------------------------------
TICKETDESK: dict[str, Any] = {
    "BRAND_NAME": os.environ.get("TICKETDESK_BRAND_NAME", "Ticketdesk"),
    # Display prefix of ticket numbers: "#" gives "#1042" and the subject token "[#1042]".
    "TICKET_PREFIX": os.environ.get("TICKETDESK_TICKET_PREFIX", "#"),
    "MAX_ATTACHMENT_BYTES": int(os.environ.get("TICKETDESK_MAX_ATTACHMENT_BYTES", 20 * 1024**2)),
    "MAX_MESSAGE_BYTES": int(os.environ.get("TICKETDESK_MAX_MESSAGE_BYTES", 40 * 1024**2)),
    "FIRST_TICKET_NUMBER": int(os.environ.get("TICKETDESK_FIRST_TICKET_NUMBER", "1000")),
    "RUN_OUTBOX_INLINE": env_bool("TICKETDESK_RUN_OUTBOX_INLINE", False),
    # how long a worker's claim on events lasts (a worker that died gives them back then)
    "OUTBOX_LEASE_SECONDS": float(os.environ.get("TICKETDESK_OUTBOX_LEASE_SECONDS", "120")),
    "SLA_ALERT_GRACE_MINUTES": int(os.environ.get("TICKETDESK_SLA_ALERT_GRACE_MINUTES", "60")),
    # authserv-ids (RFC 8601) of our own mail servers: only their Authentication-Results
    # headers can vouch for an agent's mail (docs/email.md, "Who sent this mail?")
    "MAIL_TRUSTED_AUTHSERV_IDS": [
        value.strip().lower()
        for value in os.environ.get("TICKETDESK_MAIL_TRUSTED_AUTHSERV_ID", "").split(",")
        if value.strip()
    ],
}

# smart support learns from the newest this many tickets (docs/smart.md)
TICKETDESK_SMART_MAX_TICKETS = int(os.environ.get("TICKETDESK_SMART_MAX_TICKETS", "300000"))

# TICKETDESK_LOG_FORMAT=json: one JSON object per line (time, level, logger, message, and
# the exception), for a log collector; the default is plain text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if os.environ.get("TICKETDESK_LOG_FORMAT") == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts only, not every sign-in
        "xmlschema": {"level": "WARNING"},  # pysaml2 loading its schemas at start-up
    },
}

# --- Live chat (channels/chat, docs/channels.md) --------------------------------------------
# Origins (scheme://host[:port]) whose pages may embed the chat widget; SITE_URL always may;
# "*" allows any. The real-time broker is chosen from REDIS_URL / TICKETDESK_REDIS, then a
# PostgreSQL database, then in-process memory; TICKETDESK_CHAT_BROKER overrides. With memory,
# streams in other processes look again every TICKETDESK_CHAT_POLL_SECONDS.
TICKETDESK_CHAT_ORIGINS = env_list("TICKETDESK_CHAT_ORIGINS", "")
TICKETDESK_CHAT_BROKER = os.environ.get("TICKETDESK_CHAT_BROKER", "")
TICKETDESK_CHAT_POLL_SECONDS = float(os.environ.get("TICKETDESK_CHAT_POLL_SECONDS", "0.5"))
# chats started or messages left per client address and hour
TICKETDESK_CHAT_START_LIMIT = int(os.environ.get("TICKETDESK_CHAT_START_LIMIT", "10"))
# a live chat whose visitor has left (no message, no open widget) ends by itself after these
# minutes: waiting in the queue, and accepted by an agent
TICKETDESK_CHAT_IDLE_WAITING_MINUTES = int(
    os.environ.get("TICKETDESK_CHAT_IDLE_WAITING_MINUTES", "15")
)
TICKETDESK_CHAT_IDLE_ACTIVE_MINUTES = int(
    os.environ.get("TICKETDESK_CHAT_IDLE_ACTIVE_MINUTES", "30")
)
# the chats' streaming events (not the tickets' messages) are deleted after these days
TICKETDESK_CHAT_EVENTS_KEEP_DAYS = int(os.environ.get("TICKETDESK_CHAT_EVENTS_KEEP_DAYS", "7"))
