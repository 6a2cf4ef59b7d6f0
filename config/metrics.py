"""GET /metrics: Prometheus text for the scraper, behind a bearer token (TASTEMAKER_METRICS_TOKEN).

Without the setting the route answers 404 (metrics are off); with it, a request without
`Authorization: Bearer <token>` or with another token answers 401. The body is every process's
counters and histograms (jobs.metrics; summed over PROMETHEUS_MULTIPROC_DIR when set) and three
gauges computed now: the depth of each Celery queue (Redis LLEN; absent on other brokers), and
for each client the age of its last successful quality run (one query).
"""
import logging
import os

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from jobs.contract import QUEUE_DEFAULT, QUEUE_QUALITY, QUEUE_TRAINING
from review.selectors import quality_last_success_by_client

logger = logging.getLogger(__name__)
QUEUES = (QUEUE_DEFAULT, QUEUE_QUALITY, QUEUE_TRAINING)
# kombu's Redis transport keeps a queue's messages of priority p > 0 in "<queue>\x06\x16<p>".
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_STEPS = (0, 3, 6, 9)


@require_GET
def metrics_view(request):
    token = settings.TASTEMAKER_METRICS_TOKEN
    if not token:
        raise Http404("Metrics are off (TASTEMAKER_METRICS_TOKEN is not set).")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not constant_time_compare(given.strip(), token):
        response = HttpResponse("A bearer token is needed.\n", status=401, content_type="text/plain; charset=utf-8")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Forward(REGISTRY))
    registry.register(ScrapeCollector())
    return registry


class _Forward:
    """This process's default registry, inside a per-scrape registry."""

    def __init__(self, source):
        self.source = source

    def collect(self):
        yield from self.source.collect()


class ScrapeCollector:
    """Gauges read at scrape time from the broker and the database."""

    def collect(self):
        depths = queue_depths()
        if depths is not None:
            depth = GaugeMetricFamily("tastemaker_queue_depth", "Messages waiting in each Celery queue.",
                                      labels=["queue"])
            for queue, n in depths.items():
                depth.add_metric([queue], n)
            yield depth
        age = GaugeMetricFamily(
            "tastemaker_quality_last_success_age_seconds",
            "Seconds since each client's last successful quality run finished (absent: never).",
            labels=["client"],
        )
        now = timezone.now()
        for slug, finished in quality_last_success_by_client():
            if finished is not None:
                age.add_metric([slug], (now - finished).total_seconds())
        yield age


def queue_depths() -> dict[str, int] | None:
    """Each queue's waiting messages on a Redis broker; None on another broker or when Redis is away."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        with client.pipeline(transaction=False) as pipe:
            for queue in QUEUES:
                for step in PRIORITY_STEPS:
                    pipe.llen(queue if step == 0 else f"{queue}{PRIORITY_SEPARATOR}{step}")
            lengths = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("Queue depths not read from the broker: %s", exc)
        return None
    per_queue = len(PRIORITY_STEPS)
    return {queue: sum(lengths[i * per_queue:(i + 1) * per_queue]) for i, queue in enumerate(QUEUES)}
