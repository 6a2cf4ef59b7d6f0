"""URLs for the upload benchmark: the real app, plus its static files (gunicorn has no static server)."""
from django.contrib.staticfiles.views import serve
from django.urls import include, path, re_path


def static_file(request, path):
    """The page's own JS and CSS, found by the staticfiles finders, as `runserver` would serve them."""
    return serve(request, path, insecure=True)


urlpatterns = [re_path(r"^static/(?P<path>.*)$", static_file), path("", include("config.urls"))]
