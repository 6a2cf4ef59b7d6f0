"""Settings for the load benchmark: the test settings on their own database, plus a ceiling URL."""
import os

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.load_urls"
DEBUG = False
DATABASES["default"]["NAME"] = os.environ.get("BENCH_DB", "tastemaker_bench_load")  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 600  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
