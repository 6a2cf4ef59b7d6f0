"""The pages' one map from domain errors to HTTP, so views and services never speak HTTP errors.

A `NotFound` from a selector or service becomes Django's normal 404 (the project's 404 page, or the
debug page), a `ValidationError` nobody caught becomes a 400, and the other domain errors their own
status with a short text. The API maps the same errors in `feedback.api.tenancy.api_exception_handler`;
DRF views handle their exceptions before they reach this middleware.
"""
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404, HttpResponse

from feedback.errors import Conflict, NotFound, Unavailable

# Bounded, like every error text shown to a user.
MAX_MESSAGE = 500
STATUS = {Conflict: 409, Unavailable: 503}


class DomainErrorMiddleware:
    """Turns domain exceptions raised while rendering a page into the right HTTP answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        """Raise Django's own exception where it has one, so its normal handlers (404/400 pages) answer."""
        if isinstance(exception, NotFound):
            raise Http404(str(exception)[:MAX_MESSAGE]) from exception
        if isinstance(exception, ValidationError):
            raise BadRequest(" ".join(exception.messages)[:MAX_MESSAGE]) from exception
        for kind, status in STATUS.items():
            if isinstance(exception, kind):
                text = str(exception)[:MAX_MESSAGE]
                return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
        return None
