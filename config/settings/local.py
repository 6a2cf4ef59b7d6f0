"""Newcomer defaults: SQLite, a filesystem Celery broker, DEBUG on. Nothing to install or run."""
from pathlib import Path

from .base import *  # noqa: F403
from .base import CELERY_BROKER_TRANSPORT_OPTIONS, VAR_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# The embedded database and broker live here; create them so the first run needs no setup
# (kombu's filesystem transport does not create its folders; a worker would die without them).
VAR_DIR.mkdir(parents=True, exist_ok=True)
for _folder in ("data_folder_in", "processed_folder", "control_folder"):
    if _folder in CELERY_BROKER_TRANSPORT_OPTIONS:
        Path(CELERY_BROKER_TRANSPORT_OPTIONS[_folder]).mkdir(parents=True, exist_ok=True)
