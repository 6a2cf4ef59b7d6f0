"""The jobs app: worker heartbeats (a model and the worker signals that write it) and system checks."""
from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs import checks, heartbeat  # noqa: F401 - registers the checks and the worker signals
