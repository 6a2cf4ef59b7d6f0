"""URLs of the server-rendered pages."""
from django.contrib.auth import views as auth_views
from django.urls import path

from feedback.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "c/<slug:client_slug>/creatives/<int:creative_id>/<str:variant>/",
        views.creative_file,
        name="creative-file",
    ),
]
