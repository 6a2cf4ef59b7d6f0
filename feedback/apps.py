"""Django app configuration for feedback."""
from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Audit failed and locked logins, revoke API tokens on logout (signal receivers).
        from feedback.web import auth  # noqa: F401
