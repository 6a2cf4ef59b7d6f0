"""API v1 routes of label quality and review, under clients/<slug>/."""
from django.urls import path, re_path

from review.api import views

urlpatterns = [
    path("quality/", views.QualityView.as_view(), name="quality"),
    path("quality/recompute/", views.QualityRecomputeView.as_view(), name="quality-recompute"),
    path("run-health/", views.RunHealthView.as_view(), name="run-health"),
    path("raters/", views.RaterStatsView.as_view(), name="rater-stats"),
    re_path(
        r"^raters/(?P<rater_id>\d+)/(?P<decision>exclude|include)/?$",
        views.RaterDecisionView.as_view(), name="rater-decision",
    ),
    path("flags/", views.FlagListView.as_view(), name="flag-list"),
    path("flags/bulk/", views.FlagBulkDecisionView.as_view(), name="flag-bulk"),
    re_path(
        r"^flags/(?P<pk>\d+)/(?P<decision>accept|reject)/?$", views.FlagDecisionView.as_view(), name="flag-decision"
    ),
    re_path(r"^labels/export/?$", views.CleanLabelExportView.as_view(), name="labels-export"),
]
