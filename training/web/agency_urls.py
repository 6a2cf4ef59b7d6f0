"""Agency admins' pages, mounted under /agency/."""
from django.urls import path

from training.web import agency, agency_views

urlpatterns = [
    path("clients/", agency_views.clients, name="agency-clients"),
    path("transfer/", agency.transfer, name="agency-transfer"),
]
