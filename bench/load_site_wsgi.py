"""WSGI entry for the load benchmark's gunicorn (settings: bench.load_settings).

The URLconf (and everything it imports) is loaded here, before gunicorn forks its workers with
--preload, so no measured request pays for imports.
"""
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - import every view module now
