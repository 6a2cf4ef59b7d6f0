"""URLs of the server-rendered pages."""
from django.contrib.auth import views as auth_views
from django.urls import path

from feedback.api.views import CreativeFileView
from feedback.web import creative_views, rating_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("rate/<slug:client_slug>/", rating_views.rate, name="rate"),
    path("c/<slug:client_slug>/creatives/", rating_views.creative_list_page, name="creative-list"),
    path("c/<slug:client_slug>/creatives/upload/", creative_views.creative_upload_page, name="creative-upload"),
    path("c/<slug:client_slug>/creatives/<int:creative_id>/", rating_views.creative_detail, name="creative-detail"),
    path("c/<slug:client_slug>/creatives/<int:creative_id>/edit/", creative_views.creative_edit, name="creative-edit"),
    path(
        "c/<slug:client_slug>/creatives/<int:creative_id>/archive/",
        creative_views.creative_archive_confirm,
        name="creative-archive",
    ),
    path(
        "c/<slug:client_slug>/creatives/<int:creative_id>/<str:variant>/",
        CreativeFileView.as_view(),
        name="creative-file",
    ),
]
