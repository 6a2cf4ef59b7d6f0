"""URLs of API v1; every client-scoped route carries the client slug."""
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from feedback.api import auth_views, views

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
    path("clients/<slug:client_slug>/", include(client_router.urls)),
    path("clients/<slug:client_slug>/", include("review.api.urls")),
    path("clients/<slug:client_slug>/", include("feedback.api.queue_urls")),
]
