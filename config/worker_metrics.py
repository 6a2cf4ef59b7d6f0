"""A Celery worker's own /metrics, for hosts that share no disk with the web (multi-host deployments).

With TASTEMAKER_WORKER_METRICS_PORT set, the worker's main process serves the counters and
histograms its pool processes wrote to PROMETHEUS_MULTIPROC_DIR (task durations and failures,
run outcomes) on that port, behind the same bearer token as the web's /metrics. The folder is
emptied when the worker starts.
"""
import logging
import os
import threading
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from django.utils.crypto import constant_time_compare
from prometheus_client import CollectorRegistry, make_wsgi_app

logger = logging.getLogger(__name__)


def multiproc_dir_reset() -> None:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):  # the folder may be a mount point: empty it, keep it
            stale.unlink(missing_ok=True)


def bearer_protected(app, token: str):
    """A WSGI app that answers 401 unless `Authorization: Bearer <token>`."""

    def protected(environ, start_response):
        scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not constant_time_compare(given.strip(), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"A bearer token is needed.\n"]
        return app(environ, start_response)

    return protected


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        logger.debug("worker metrics: " + format, *args)


def worker_metrics_serve(*, port: int, token: str):
    """Start serving in a daemon thread; returns the server (its `server_port`, `shutdown()`)."""
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry  # noqa: N811 - this process's own values
    app = bearer_protected(make_wsgi_app(registry), token)
    server = make_server(os.environ.get("TASTEMAKER_WORKER_METRICS_BIND", "0.0.0.0"), port, app,  # noqa: S104
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-metrics", daemon=True).start()
    return server
