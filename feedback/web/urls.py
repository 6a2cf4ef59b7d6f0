"""URLs of the server-rendered pages."""
from django.contrib.auth import views as auth_views
from django.urls import path

from feedback.api.views import CreativeFileView
from feedback.web import creative_views, rating_views, setup_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("switch/", views.client_switch, name="client-switch"),
    path("rate/<slug:client_slug>/", rating_views.rate, name="rate"),
    path("c/<slug:client_slug>/rubric/", setup_views.rubric, name="rubric"),
    path("c/<slug:client_slug>/rubric/new/", setup_views.rubric_new, name="rubric-new"),
    path("c/<slug:client_slug>/rubric/<int:criterion_id>/", setup_views.rubric_edit, name="rubric-edit"),
    path("c/<slug:client_slug>/rubric/<int:criterion_id>/move/", setup_views.rubric_move, name="rubric-move"),
    path("c/<slug:client_slug>/rubric/<int:criterion_id>/active/", setup_views.rubric_active, name="rubric-active"),
    path("c/<slug:client_slug>/members/", setup_views.members, name="members"),
    path("c/<slug:client_slug>/members/<int:user_id>/", setup_views.member_change, name="member-change"),
    path("c/<slug:client_slug>/settings/", setup_views.client_settings, name="client-settings"),
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
