"""The Celery application; its configuration lives in Django settings under CELERY_*."""
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tastemaker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect(weak=False, dispatch_uid="tastemaker-worker-observability")
def _worker_observability(**_):
    """Task metrics and the worker's own /metrics port (TASTEMAKER_WORKER_METRICS_PORT), in the main process."""
    from django.conf import settings

    from config.worker_metrics import multiproc_dir_reset, worker_metrics_serve

    multiproc_dir_reset()
    port = os.environ.get("TASTEMAKER_WORKER_METRICS_PORT")
    if port and settings.TASTEMAKER_METRICS_TOKEN:
        worker_metrics_serve(port=int(port), token=settings.TASTEMAKER_METRICS_TOKEN)


def _connect_task_metrics():
    from jobs.metrics import celery_signals_connect

    celery_signals_connect()


_connect_task_metrics()
