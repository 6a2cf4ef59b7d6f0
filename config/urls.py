"""Top-level URLs: admin, API v1 with its schema and docs, and the web pages."""
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health
from config.metrics import metrics_view

# The docs page loads its script from a second request (`?script`), so it runs under the
# Content-Security-Policy; like the schema, it is for members unless TASTEMAKER_PUBLIC_API_DOCS.
api_docs = SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="feedback/api_docs.html")
if not settings.TASTEMAKER_PUBLIC_API_DOCS:
    api_docs = login_required(api_docs)

urlpatterns = [
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("api/v1/agency/", include("training.api.agency_urls")),
    # Prometheus scrape (bearer token, TASTEMAKER_METRICS_TOKEN; 404 while it is unset).
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", include("feedback.api.urls")),
    path("api/v1/clients/<slug:client_slug>/", include("training.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
    path("review/<slug:client_slug>/", include("review.web.urls")),
    path("train/<slug:client_slug>/", include("training.web.urls")),
    path("agency/", include("training.web.agency_urls")),
    path("", include("feedback.web.urls")),
]

# The database out of reach answers 503 with Retry-After (feedback.web.unavailable), anything else 500.
handler500 = "feedback.web.unavailable.server_error"
