"""Training pages, mounted under /train/<client_slug>/."""
from django.urls import path

from training.web import views

urlpatterns = [
    path("", views.overview, name="training-overview"),
    path("runs/start/", views.run_start, name="training-run-start"),
    path("runs/<int:run_id>/", views.run_detail, name="training-run"),
    path("runs/<int:run_id>/cancel/", views.run_cancel, name="training-run-cancel"),
    path("models/<int:version>/", views.model_card, name="training-model"),
    path("models/<int:version>/override/", views.model_override, name="training-model-override"),
    path("creatives/<int:creative_id>/", views.creative_scores, name="training-creative"),
]
