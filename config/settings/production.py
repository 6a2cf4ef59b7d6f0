"""Production: secrets have no default, HTTPS only behind the proxy, and the checks of `check --deploy` pass.

Required: DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL, CELERY_BROKER_URL, and a Redis for
the shared cache (DJANGO_CACHE_URL, or a redis:// CELERY_BROKER_URL it then shares). A missing one
ends the process with one line naming each, before anything else is loaded.
"""
import os
import sys

REQUIRED = ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL")
_missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
if _missing:
    sys.exit(f"Production settings need these environment variables: {', '.join(_missing)} (see README, Settings).")
# The login lockout and rate limits must be counted in one place for every web process.
if not os.environ.get("DJANGO_CACHE_URL"):
    if not os.environ["CELERY_BROKER_URL"].startswith(("redis://", "rediss://")):
        sys.exit("Production settings need DJANGO_CACHE_URL (a redis:// URL) when CELERY_BROKER_URL is not Redis.")
    os.environ["DJANGO_CACHE_URL"] = os.environ["CELERY_BROKER_URL"]

# Log lines are JSON objects in production unless TASTEMAKER_LOG_FORMAT says otherwise.
os.environ.setdefault("TASTEMAKER_LOG_FORMAT", "json")

from .base import *  # noqa: E402, F403
from .base import MIDDLEWARE, env_bool  # noqa: E402

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
# Static files are served by the app itself (collected into STATIC_ROOT at image build).
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

# HTTPS: the proxy in front terminates TLS and says so in X-Forwarded-Proto; plain HTTP is
# redirected, except the health checks a load balancer makes from inside.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^health/", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
