"""URLs of API v1; every client-scoped route carries the client slug."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from feedback.api import auth_views, label_studio_views, views

client_router = SimpleRouter()
client_router.register("creatives", views.CreativeViewSet, basename="creative")
client_router.register("criteria", views.CriterionViewSet, basename="criterion")
client_router.register("ratings", views.RatingViewSet, basename="rating")

urlpatterns = [
    path("auth/token/", auth_views.TokenObtainView.as_view(), name="api-token"),
    path("auth/logout/", auth_views.LogoutView.as_view(), name="api-logout"),
    path("clients/", views.ClientViewSet.as_view({"get": "list"}), name="client-list"),
    path(
        "clients/<slug:client_slug>/",
        views.ClientSettingsView.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="client-detail",
    ),
    # Before the router, whose ratings/<pk>/ would otherwise take "export" and "import" as ids.
    path("clients/<slug:client_slug>/ratings/export/", label_studio_views.RatingExportView.as_view(),
         name="rating-export"),
    path("clients/<slug:client_slug>/ratings/import/", label_studio_views.RatingImportView.as_view(),
         name="rating-import"),
    path("clients/<slug:client_slug>/", include(client_router.urls)),
    path("clients/<slug:client_slug>/", include("review.api.urls")),
    path("clients/<slug:client_slug>/", include("feedback.api.queue_urls")),
]
