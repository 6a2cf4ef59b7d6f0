"""Review pages under /review/<client-slug>/."""
from django.urls import path

from review.web import views

urlpatterns = [
    path("", views.dashboard, name="review-dashboard"),
    path("recompute/", views.recompute, name="review-recompute"),
    path("flags/", views.flag_queue, name="review-flags"),
    path("flags/decide/", views.flag_decide, name="review-flag-decide"),
    path("items/<int:creative_id>/", views.item, name="review-item"),
    path("items/<int:creative_id>/decide/", views.item_decide, name="review-item-decide"),
    path("items/<int:creative_id>/more/", views.item_request_more, name="review-item-more"),
    path("raters/<int:rater_id>/", views.rater_decide, name="review-rater-decide"),
]
