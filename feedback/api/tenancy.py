"""The base of every client-scoped endpoint, and the API's one map from domain errors to HTTP.

Subclasses of ClientScopedMixin declare `required_roles` per action (or `minimum_role`); they
receive `self.client` and `self.membership` and never build a query that is not scoped by them. A
client the caller does not belong to answers 404, so its existence is not revealed; a role too low
answers 403.
"""
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from feedback.errors import Conflict, NotFound, Unavailable
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
            user=request.user, slug=kwargs["client_slug"], minimum_role=needed
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "client"):
            context.update(client=self.client, membership=self.membership)
        return context


def api_exception_handler(exc, context):
    """Every API error answer: domain errors by DOMAIN_STATUS, Django's ValidationError as 400 with field errors.

    DRF's own handler then does the rest (its exceptions, Http404 and PermissionDenied), and rolls back
    the request's atomic block where there is one.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_field_errors(exc))
    for kind, code in DOMAIN_STATUS.items():
        if isinstance(exc, kind):
            mapped = exceptions.APIException(detail=str(exc))
            mapped.status_code = code
            exc = mapped
            break
    return exception_handler(exc, context)


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()}
