"""manage.py add_member <client-slug> <username> <role> [--password P] — give someone a role."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from feedback.errors import NotFound
from feedback.models import Role
from feedback.selectors import client_get
from feedback.services.tenancy import membership_set


class Command(BaseCommand):
    help = "Give a user a role in a client, creating the user when missing (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("client_slug")
        parser.add_argument("username")
        parser.add_argument("role", choices=Role.values)
        parser.add_argument("--password", help="Set this password (a new user without one cannot log in)")
        parser.add_argument("--email", default="")

    def handle(self, *args, client_slug, username, role, password, email, **options):
        try:
            client = client_get(slug=client_slug)
        except NotFound as exc:
            raise CommandError(f"{exc} Create it with create_client first.") from exc
        try:
            membership, created = membership_set(
                client=client, username=username, role=role, password=password, email=email
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Added" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username} as {membership.role} in {client.slug}"))
