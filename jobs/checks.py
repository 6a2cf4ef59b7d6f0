"""System checks (`manage.py check`, tag "tastemaker"): a configuration that cannot work is a warning.

Warnings, not errors: a check run while a dependency restarts must not stop `migrate`; the
message says what is wrong and which setting to look at.
"""
from django.conf import settings
from django.core.checks import Warning, register
from django.db import connections

from jobs.health import broker_probe, first_line, writable_dir_problem

TAG = "tastemaker"


@register(TAG)
def check_database(app_configs=None, **kwargs):
    """W001: the default database does not answer."""
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return [Warning(
            f"The database does not answer: {type(exc).__name__}: {first_line(str(exc), 200)}",
            hint="Check DATABASE_URL and that the database server is running.", id="tastemaker.W001",
        )]
    return []


@register(TAG)
def check_broker(app_configs=None, **kwargs):
    """W002: the Celery broker does not take connections (no run would ever start)."""
    problem = broker_probe()
    if problem:
        return [Warning(
            f"The Celery broker is unreachable: {problem}",
            hint="Check CELERY_BROKER_URL and that the broker is running; ratings are still stored, runs wait.",
            id="tastemaker.W002",
        )]
    return []


@register(TAG)
def check_media_root(app_configs=None, **kwargs):
    """W003: uploads and model checkpoints could not be written."""
    problem = writable_dir_problem(settings.MEDIA_ROOT)
    if problem:
        return [Warning(
            f"MEDIA_ROOT cannot hold uploads and models: {problem}",
            hint="Set DJANGO_MEDIA_ROOT (or TASTEMAKER_VAR_DIR) to a folder this process may write.",
            id="tastemaker.W003",
        )]
    return []


@register(TAG)
def check_heartbeat_settings(app_configs=None, **kwargs):
    """W004: a worker heartbeat interval the sweeps cannot tell from a dead worker."""
    beat = settings.TASTEMAKER_WORKER_HEARTBEAT_S
    if not 0 < beat <= 300:
        return [Warning(
            f"TASTEMAKER_WORKER_HEARTBEAT_S is {beat}: it must be more than 0 and at most 300 seconds.",
            hint="Workers would look dead (or never beat); 10 is the default.", id="tastemaker.W004",
        )]
    return []
