"""The jobs app: worker heartbeats (a model and the worker signals that write it) and system checks."""
from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from celery import signals

        from jobs import checks, heartbeat  # noqa: F401 - registers the checks and the worker signals

        # Last of the shutdown receivers (this app comes last in INSTALLED_APPS): exit at once.
        signals.worker_shutdown.connect(heartbeat.worker_exit_now, weak=False, dispatch_uid="jobs-exit-now")
