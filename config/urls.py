"""Top-level URLs: admin, API v1 with its schema and docs, and the web pages."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("feedback.api.urls")),
    path("api/v1/clients/<slug:client_slug>/", include("training.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("review/<slug:client_slug>/", include("review.web.urls")),
    path("train/<slug:client_slug>/", include("training.web.urls")),
    path("", include("feedback.web.urls")),
]
