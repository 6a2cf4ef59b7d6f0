"""Training API routes, mounted under /api/v1/clients/<client_slug>/."""
from django.urls import path
from rest_framework.routers import SimpleRouter

from training.api import views

router = SimpleRouter()
router.register("training-runs", views.TrainingRunViewSet, basename="training-run")
router.register("models", views.ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("scores/", views.ScoreView.as_view(), name="scores"),
    *router.urls,
]
