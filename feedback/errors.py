"""Domain errors that services and selectors raise; each edge maps them to HTTP once.

Every app may import this module. The API maps them in `feedback.api.tenancy.api_exception_handler`,
the pages in `feedback.web.middleware.DomainErrorMiddleware`. Bad input stays Django's
`ValidationError` (400) and a role too low Django's `PermissionDenied` (403).
"""


class DomainError(Exception):
    """Base of the errors below; the message is short and safe to show to the caller."""


class NotFound(DomainError):
    """The object does not exist in the caller's client (another client's object looks the same): 404."""


class Conflict(DomainError):
    """The request is valid but the current state does not allow it (no model to score with yet): 409."""


class Unavailable(DomainError):
    """A dependency the request needs cannot be used now (a model file missing from storage): 503."""


class Unauthenticated(DomainError):
    """The credentials are missing, wrong, expired or revoked: 401."""
