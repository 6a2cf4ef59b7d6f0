"""Django app configuration for demo: the demo client and the newcomer's one-command run."""
from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo client"
