"""Settings shared by every environment; every value a user may change comes from the environment."""
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from config.logs import logging_config
from jobs.contract import beat_schedule, task_routes

from .storage import storages_from_environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TASTEMAKER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-local-only-key")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "axes",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "feedback",
    "review",
    "training",
    "demo",
    "jobs",  # worker heartbeats and the tastemaker system checks
]

MIDDLEWARE = [
    # Outermost: every log line of the request carries its id, and the answer echoes it.
    "config.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After authentication: turns a login that django-axes refused into 429 with Retry-After.
    "axes.middleware.AxesMiddleware",
    # The database out of reach (a restart, a failover) answers 503 with Retry-After, never 500.
    "feedback.web.unavailable.DatabaseUnavailableMiddleware",
    # Innermost, so it sees the views' exceptions first: domain errors become 404/400/409/503.
    "feedback.web.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "feedback.web.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tastemaker.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# A reused connection is checked before each request: after a database restart the broken one is
# replaced instead of failing the request (those already in flight answer 503, feedback.web.unavailable).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and the worker write at once: WAL plus immediate transactions avoid "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out login before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# Creatives, thumbnails and checkpoints: MEDIA_ROOT, or an S3-protocol bucket (TASTEMAKER_STORAGE=s3,
# TASTEMAKER_S3_*; config/settings/storage.py, README "Storage and several machines").
TASTEMAKER_STORAGE = os.environ.get("TASTEMAKER_STORAGE", "filesystem").strip().lower() or "filesystem"
STORAGES = storages_from_environ(os.environ)

# Uploads: the request body may carry a bulk import of up to 500 base64 images.
TASTEMAKER_MAX_IMAGE_BYTES = int(os.environ.get("TASTEMAKER_MAX_IMAGE_BYTES", str(10 * 1024 * 1024)))
TASTEMAKER_MAX_IMAGE_PIXELS = int(os.environ.get("TASTEMAKER_MAX_IMAGE_PIXELS", str(40_000_000)))
TASTEMAKER_BULK_MAX_ITEMS = 500
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", str(200 * 1024 * 1024)))
DATA_UPLOAD_MAX_NUMBER_FILES = 500

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Expiring, revocable tokens (feedback.models.ApiToken), sent as `Authorization: Token <t>`.
        "feedback.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON bodies: nesting depth bounded, NaN/Infinity refused; every parse failure is a short 400.
    "DEFAULT_PARSER_CLASSES": [
        "feedback.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # `?format=` is a creative filter (and the export's csv|jsonl), not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "feedback.api.tenancy.api_exception_handler",
    # ASCII JSON (non-ASCII as \u escapes): an error that echoes a caller's lone surrogate
    # ("\ud800" in a JSON string) then still encodes, instead of failing with a 500.
    "UNICODE_JSON": False,
}
TASTEMAKER_PUBLIC_API_DOCS = env_bool("TASTEMAKER_PUBLIC_API_DOCS", False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Tastemaker API",
    "DESCRIPTION": "Rate creatives, check label quality, retrain and score each client's model.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from the sidecar package: the docs page works with no network access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Three models have a `status`: each choice set gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "RatingStatusEnum": "feedback.models.Rating.Status",
        "FlagStatusEnum": "review.models.Flag.Status",
        "RunStatusEnum": "jobs.models.RunStatus",
    },
    # The schema names every route and field: logged-in users only, unless TASTEMAKER_PUBLIC_API_DOCS.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny"
        if TASTEMAKER_PUBLIC_API_DOCS
        else "rest_framework.permissions.IsAuthenticated"
    ],
}

# --- Security: shared cache, login lockout, API tokens, Content-Security-Policy ---

# The cache every web process shares: Redis at DJANGO_CACHE_URL. Without one (the embedded
# defaults, tests) a per-process memory cache; production requires Redis (settings/production.py).
CACHE_URL = os.environ.get("DJANGO_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "tastemaker"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tastemaker"}
    )
}
if not CACHE_URL:
    # axes.W001 says a memory cache is not shared between processes: true, and harmless where one
    # web process serves (`make run`'s runserver, a test process). Production sets Redis.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

# Login lockout (django-axes), on the login page, the admin's and POST /api/v1/auth/token/ alike:
# TASTEMAKER_LOGIN_FAILURE_LIMIT failures for one username, or from one address, lock that
# username or address for TASTEMAKER_LOGIN_LOCKOUT_MINUTES, counted from the latest failure; a
# locked attempt answers 429 with Retry-After. Failures are kept in the shared cache.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("TASTEMAKER_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = float(os.environ.get("TASTEMAKER_LOGIN_LOCKOUT_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "feedback.web.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "feedback.api.authentication.client_ip"
# Which X-Forwarded-For entry is the caller: the number of trusted proxies in front of the app
# (0: none, REMOTE_ADDR is the caller; 1: one proxy appends the caller's address, and so on).
TASTEMAKER_TRUSTED_PROXIES = int(os.environ.get("TASTEMAKER_TRUSTED_PROXIES", "0"))
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

# API tokens (feedback.models.ApiToken): a new one on every login, valid this long, revoked on
# logout and whenever the user's password changes; at most this many live tokens per user.
TASTEMAKER_TOKEN_TTL_HOURS = float(os.environ.get("TASTEMAKER_TOKEN_TTL_HOURS", "24"))
TASTEMAKER_TOKENS_PER_USER = int(os.environ.get("TASTEMAKER_TOKENS_PER_USER", "10"))

# Content-Security-Policy, enforced everywhere: scripts, styles and images come from this site
# only; no inline script, handler or style attribute (JSON data blocks are not scripts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Celery: the embedded default is kombu's filesystem transport, which needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
# ack_emulation off: with it on (kombu's default), celery 5.7.0 kills the worker when Redis drops
# while a task runs and the worker is polling for more ("Unrecoverable error: AttributeError:
# 'NoneType' object has no attribute 'hostname'" after "Restoring 1 unacknowledged message(s)"):
# its new connection.close() after collect() closes the channel a second time, after the transport
# was detached, and the Redis QoS's restore raises what ignore_errors does not ignore. The plain
# QoS logs that restore failure instead. Nothing is lost that mattered: the run rows are the
# durable fact and the sweeps re-send runs whose messages vanished (tests/jobs/test_redis_outage_drill.py).
REDIS_WORKER_SURVIVES_OUTAGES = {"ack_emulation": False}
_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    # Redis: a message a dead worker held comes back after this; the database sweep acts sooner.
    # max_retries 0: a send while Redis is down fails at once instead of retrying for the connect
    # timeout inside a web request (the database row is the durable fact; sweeps re-send).
    else {"visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")), "max_retries": 0,
          **REDIS_WORKER_SURVIVES_OUTAGES}
)
CELERY_BROKER_CONNECTION_TIMEOUT = 2.0
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Task names and queues are declared once, in jobs/contract.py. Training tasks run on their own
# queue (a GPU box can consume only it); both sweeps run on `default`.
CELERY_TASK_ROUTES = task_routes()
CELERY_BEAT_SCHEDULE = beat_schedule(
    quality_sweep_s=float(os.environ.get("QUALITY_SWEEP_S", "30")),
    training_sweep_s=float(os.environ.get("TASTEMAKER_TRAINING_SWEEP_S", "60")),
)

# Label quality. QUALITY_REQUEUE_AFTER_SECONDS (60): a queued run not picked up this long is sent
# to the broker again. QUALITY_STALE_RUN_SECONDS (600): a running run silent this long is queued
# again (failed after 3 lost attempts). QUALITY_BOOTSTRAP_SAMPLES (1000) / QUALITY_WEEKLY_BOOTSTRAP_SAMPLES (100):
# bootstrap replicates for alpha's interval overall and per week.
# QUALITY_DEBOUNCE_SECONDS (3): a queued run waits until the client's ratings pause this long ...
# QUALITY_DEBOUNCE_MAX_SECONDS (60): ... but runs at the latest this long after it was requested.
QUALITY_DEBOUNCE_SECONDS = float(os.environ.get("QUALITY_DEBOUNCE_SECONDS", "3"))
QUALITY_DEBOUNCE_MAX_SECONDS = float(os.environ.get("QUALITY_DEBOUNCE_MAX_SECONDS", "60"))
QUALITY_REQUEUE_AFTER_SECONDS = int(os.environ.get("QUALITY_REQUEUE_AFTER_SECONDS", "60"))
QUALITY_STALE_RUN_SECONDS = int(os.environ.get("QUALITY_STALE_RUN_SECONDS", "600"))
QUALITY_BOOTSTRAP_SAMPLES = int(os.environ.get("QUALITY_BOOTSTRAP_SAMPLES", "1000"))
QUALITY_WEEKLY_BOOTSTRAP_SAMPLES = int(os.environ.get("QUALITY_WEEKLY_BOOTSTRAP_SAMPLES", "100"))

# Training. TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S (120): a running run silent this long is
# re-queued by the sweep. TASTEMAKER_PROMOTION_MARGIN (0.0): rating points of mean held-out MAE a
# new model must gain over the active one. TASTEMAKER_TARGET_MAE (0.5): the error the readiness
# estimate aims at, in rating points. TASTEMAKER_TEXT_ENCODER ("minilm"; "hashing" is a tiny
# offline stand-in for tests). TASTEMAKER_TRAINING_HYPERPARAMETERS: JSON overriding TrainConfig.
TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S = int(os.environ.get("TASTEMAKER_TRAINING_HEARTBEAT_TIMEOUT_S", "120"))
TASTEMAKER_PROMOTION_MARGIN = float(os.environ.get("TASTEMAKER_PROMOTION_MARGIN", "0.0"))
TASTEMAKER_TARGET_MAE = float(os.environ.get("TASTEMAKER_TARGET_MAE", "0.5"))
TASTEMAKER_TEXT_ENCODER = os.environ.get("TASTEMAKER_TEXT_ENCODER", "minilm")
TASTEMAKER_TRAINING_HYPERPARAMETERS = os.environ.get("TASTEMAKER_TRAINING_HYPERPARAMETERS", "{}")
# Threads torch may use for training and scoring (0: torch decides). On a shared, busy CPU, 1 is
# far faster than 2: spinning threads fight the other processes for the cores.
TASTEMAKER_TORCH_THREADS = int(os.environ.get("TASTEMAKER_TORCH_THREADS", "0"))

# Health. TASTEMAKER_WORKER_HEARTBEAT_S (10): every worker rewrites its heartbeat row this often;
# three missed beats and pages say no worker is alive (/health/ready reports the age).
TASTEMAKER_WORKER_HEARTBEAT_S = float(os.environ.get("TASTEMAKER_WORKER_HEARTBEAT_S", "10"))


# --- Observability: logs and metrics (README "Operations: metrics, logs") ---

# TASTEMAKER_LOG_FORMAT: "json" (one JSON object per line with request_id / task_id; the production
# default) or "plain" (the message alone; the embedded default).
TASTEMAKER_LOG_FORMAT = os.environ.get("TASTEMAKER_LOG_FORMAT", "plain").strip().lower()
LOGGING = logging_config(log_format=TASTEMAKER_LOG_FORMAT, level=os.environ.get("DJANGO_LOG_LEVEL", "INFO"))
# Celery keeps Django's logging (and so the JSON lines and task ids) instead of installing its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# GET /metrics (Prometheus) needs `Authorization: Bearer <this>`; empty: the route answers 404.
TASTEMAKER_METRICS_TOKEN = os.environ.get("TASTEMAKER_METRICS_TOKEN", "").strip()
