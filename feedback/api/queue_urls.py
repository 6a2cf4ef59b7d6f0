"""Rating-queue routes, included under clients/<slug>/ by feedback/api/urls.py."""
from django.urls import path

from feedback.api import queue_views as v

urlpatterns = [
    path("queue/next/", v.QueueNextView.as_view(), name="queue-next"),
    path("queue/skip/", v.QueueSkipView.as_view(), name="queue-skip"),
    path("queue/progress/", v.QueueProgressView.as_view(), name="queue-progress"),
    path("ratings/<int:pk>/undo/", v.RatingUndoView.as_view(), name="rating-undo"),
    path("creatives/<int:pk>/gold/", v.GoldView.as_view(), name="creative-gold"),
]
