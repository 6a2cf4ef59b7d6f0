"""Newcomer defaults: SQLite, a filesystem Celery broker, DEBUG on. Nothing to install or run."""
from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# The embedded database and broker live here; create it so the first run needs no setup.
VAR_DIR.mkdir(parents=True, exist_ok=True)
