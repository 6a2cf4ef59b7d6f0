"""Agency admins' pages, mounted under /agency/."""
from django.urls import path

from training.web import agency

urlpatterns = [
    path("transfer/", agency.transfer, name="agency-transfer"),
]
