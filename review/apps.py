"""Django app configuration for review: label quality and reviewer decisions."""
from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "Label quality and review"
    default_auto_field = "django.db.models.BigAutoField"
