"""/health/live and /health/ready for load balancers and compose healthchecks: JSON, no auth, no client data."""
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from jobs.health import readiness


@never_cache
@require_GET
def live(request):
    """The process is up and serving requests; no dependency is touched."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request):
    """200 when the database and the broker answer, else 503; workers and run ages are reported."""
    is_ready, report = readiness()
    return JsonResponse(report, status=200 if is_ready else 503)
