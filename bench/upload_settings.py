"""Settings for the upload benchmark: the load benchmark's, with its own URLconf and media folder."""
import os

from bench.load_settings import *  # noqa: F403

ROOT_URLCONF = "bench.upload_urls"
MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]
