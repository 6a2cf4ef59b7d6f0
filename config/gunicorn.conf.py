"""gunicorn settings for production (`gunicorn -c config/gunicorn.conf.py config.wsgi:application`).

Prometheus multiprocess mode: every worker writes its metrics into PROMETHEUS_MULTIPROC_DIR, which
is emptied when the master starts (old workers' files would be counted again) and from which a
dead worker's live gauges are dropped.
"""
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# JSON logs are the app's (TASTEMAKER_LOG_FORMAT); gunicorn's own access log stays off.
accesslog = None


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # the folder may be a mount point: empty it, keep it
            stale.unlink(missing_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
