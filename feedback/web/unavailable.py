"""The database out of reach answers 503 with a retry hint, never 500.

A restart or failover of PostgreSQL makes queries raise `django.db.OperationalError` or
`InterfaceError` for a few seconds. The API answers `503 {"detail": ...}` and the pages a short
page, both with `Retry-After`; `CONN_HEALTH_CHECKS` (settings) then replaces the broken
connections, so the service recovers by itself. `DatabaseUnavailableMiddleware` catches the views'
errors (DRF's handler passes them on); `server_error` (the URLconf's handler500) catches those of
the middleware (sessions, authentication) when DEBUG is off.
"""
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views import defaults

RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is out of reach for a moment; retry shortly."
PAGE = (
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Back in a moment</title></head>"
    f"<body><h1>Back in a moment</h1><p>{MESSAGE}</p></body></html>"
)


def is_database_unavailable(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


def database_unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view's OperationalError/InterfaceError becomes a 503 with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable_response(request) if is_database_unavailable(exception) else None


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: the database out of reach is a 503; anything else Django's own 500 page."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return defaults.server_error(request, template_name)
