"""The base of every client-scoped endpoint: resolve the client once, check membership once.

Subclasses declare `required_roles` per action (or `minimum_role`); they receive `self.client` and
`self.membership` and never build a query that is not scoped by them. A client the caller does not
belong to answers 404, so its existence is not revealed; a role too low answers 403.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from feedback.models import Role
from feedback.selectors import client_membership_get


class ClientScopedMixin:
    """Mix into an APIView/ViewSet whose URL carries `client_slug`."""

    minimum_role: str = Role.RATER
    required_roles: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        resolved = client_membership_get(user=request.user, slug=kwargs["client_slug"])
        if resolved is None:
            raise Http404("No such client.")
        self.client, self.membership = resolved
        needed = self.required_roles.get(getattr(self, "action", None) or "", self.minimum_role)
        if not self.membership.has_role(needed):
            raise exceptions.PermissionDenied(f"This needs the {needed} role in {self.client.slug}.")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "client"):
            context.update(client=self.client, membership=self.membership)
        return context


def api_exception_handler(exc, context):
    """Turn a service's Django ValidationError into DRF's 400 with field errors."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)
