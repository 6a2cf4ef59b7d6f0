"""manage.py create_client <slug> --name "..." — add a client (idempotent)."""
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from feedback.services.tenancy import client_create


class Command(BaseCommand):
    help = "Create a client (brand/account). Running it again with the same slug changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("slug", help="URL-safe identifier, e.g. acme-coffee")
        parser.add_argument("--name", required=True, help="Display name, e.g. 'Acme Coffee'")
        parser.add_argument("--overlap", type=int, default=3, help="Distinct raters per creative (default 3)")
        parser.add_argument("--retrain-threshold", type=int, default=50, help="New clean examples per retrain")

    def handle(self, *args, slug, name, overlap, retrain_threshold, **options):
        try:
            client, created = client_create(
                slug=slug, name=name, overlap=overlap, retrain_threshold=retrain_threshold
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Created" if created else "Already exists:"
        self.stdout.write(self.style.SUCCESS(f"{verb} client {client.slug} ({client.name})"))
