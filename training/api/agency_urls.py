"""Agency admins' API routes, mounted under /api/v1/agency/."""
from django.urls import path

from training.api import agency

urlpatterns = [
    path("transfer/", agency.TransferCheckView.as_view(), name="agency-transfer-api"),
]
