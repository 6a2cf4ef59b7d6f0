"""Test settings: real PostgreSQL and Redis unless the environment says otherwise."""
import os

import dj_database_url

from .base import *  # noqa: F403
from .base import BASE_DIR, REDIS_WORKER_SURVIVES_OUTAGES

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tastemaker")
    )
}
# A test database per pytest process, so parallel runs on one machine never drop each other's.
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}
# Likewise a Redis database per process (1..15), so one run's flush never empties another's queues.
# Under pytest-xdist (`make test` runs `-n`), the workers of one run share a parent and take
# consecutive numbers from it, so two of them never share a database.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_REDIS_DB = (
    1 + (os.getppid() + int(_XDIST_WORKER[2:])) % 15 if _XDIST_WORKER.startswith("gw") else 1 + os.getpid() % 15
)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", f"redis://127.0.0.1:6379/{_REDIS_DB}")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "max_retries": 0, **REDIS_WORKER_SURVIVES_OUTAGES}
MEDIA_ROOT = os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "test-media")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
