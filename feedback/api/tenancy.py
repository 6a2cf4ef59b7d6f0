"""The base of every client-scoped endpoint, and the API's one map from domain errors to HTTP.

Subclasses of ClientScopedMixin declare `required_roles` per action (or `minimum_role`); they
receive `self.client` and `self.membership` and never build a query that is not scoped by them. A
client the caller does not belong to answers 404, so its existence is not revealed; a role too low
answers 403.
"""
import json

from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from feedback.errors import Conflict, NotFound, Unauthenticated, Unavailable
from feedback.models import Role
from feedback.selectors import client_membership_require

# Domain errors and the API status of each (ValidationError and PermissionDenied are Django's own).
DOMAIN_STATUS = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


class ClientScopedMixin:
    """Mix into an APIView/ViewSet whose URL carries `client_slug`."""

    minimum_role: str = Role.RATER
    required_roles: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        needed = self.required_roles.get(getattr(self, "action", None) or "", self.minimum_role)
        self.client, self.membership = client_membership_require(
            user=request.user, slug=kwargs["client_slug"], minimum_role=needed,
            resolved=getattr(request.auth, "membership", None),
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "client"):
            context.update(client=self.client, membership=self.membership)
        return context


# An error body is at most this long (JSON characters): a caller's 110,000 bad keys get the first
# few errors and a count, never an echo of everything they sent.
MAX_ERROR_BODY = 2000
MAX_ERROR_TEXT = 300


def api_exception_handler(exc, context):
    """Every API error answer: domain errors by DOMAIN_STATUS, Django's ValidationError as 400 with field errors.

    DRF's own handler then does the rest (its exceptions, Http404 and PermissionDenied), and rolls back
    the request's atomic block where there is one. Any body longer than MAX_ERROR_BODY is cut down
    (`bounded_errors`), so every error answer is short whatever the input was.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_field_errors(exc))
    if isinstance(exc, SuspiciousOperation):
        # Raised while Django reads the body: too many fields or files, or too large. A ParseError in
        # the API's JSON shape (Django alone would answer its HTML 400 page).
        exc = _too_large(exc) if isinstance(exc, RequestDataTooBig) else exceptions.ParseError(str(exc))
    if isinstance(exc, Unauthenticated):
        exc = exceptions.AuthenticationFailed(str(exc))
    for kind, code in DOMAIN_STATUS.items():
        if isinstance(exc, kind):
            mapped = exceptions.APIException(detail=str(exc))
            mapped.status_code = code
            exc = mapped
            break
    response = exception_handler(exc, context)
    if response is not None and response.data is not None and _json_length(response.data) > MAX_ERROR_BODY:
        response.data = bounded_errors(response.data)
    return response


def _too_large(exc: RequestDataTooBig) -> exceptions.APIException:
    error = exceptions.APIException(detail=str(exc))
    error.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    return error


def bounded_errors(data):
    """Error details cut to about MAX_ERROR_BODY characters, keeping the first errors and saying how many more.

    Per-item errors of a list (bulk input) are keyed by the item's index, so the ones kept still
    say which item to fix.
    """
    budget = [MAX_ERROR_BODY - 200]
    return _bounded(data, budget)


def _bounded(value, budget: list[int]):
    if isinstance(value, dict):
        return _bounded_items(list(value.items()), budget)
    if isinstance(value, list):
        if any(isinstance(item, dict | list) for item in value):
            return _bounded_items([(str(i), item) for i, item in enumerate(value) if item], budget)
        return _bounded_list(value, budget)
    text = str(value)
    if len(text) > MAX_ERROR_TEXT:
        text = text[:MAX_ERROR_TEXT] + "…"
    budget[0] -= len(text) + 4
    return text


def _bounded_items(items: list, budget: list[int]) -> dict:
    kept = {}
    for index, (key, item) in enumerate(items):
        if budget[0] <= 0:
            kept["more_errors"] = f"{len(items) - index} more fields with errors are not shown."
            break
        name = str(key)[:100]
        budget[0] -= len(name) + 6
        kept[name] = _bounded(item, budget)
    return kept


def _bounded_list(values: list, budget: list[int]) -> list:
    kept = []
    for index, item in enumerate(values):
        if budget[0] <= 0:
            kept.append(f"… and {len(values) - index} more.")
            break
        kept.append(_bounded(item, budget))
    return kept


def _json_length(data) -> int:
    return len(json.dumps(data, ensure_ascii=True, default=str))


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()}
