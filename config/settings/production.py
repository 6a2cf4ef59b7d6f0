"""Production: secrets have no default; DATABASE_URL and CELERY_BROKER_URL are required."""
import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
if "DATABASE_URL" not in os.environ or "CELERY_BROKER_URL" not in os.environ:
    raise RuntimeError("Production needs DATABASE_URL and CELERY_BROKER_URL in the environment.")
# Static files are served by the app itself (collected into STATIC_ROOT at image build).
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
