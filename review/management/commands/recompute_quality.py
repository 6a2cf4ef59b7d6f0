"""manage.py recompute_quality <client-slug> — run the consistency checker now, in this process."""
from django.core.management.base import BaseCommand, CommandError

from feedback.errors import NotFound
from feedback.selectors import client_get
from review.services.recompute import quality_recompute


class Command(BaseCommand):
    help = "Recompute a client's label quality synchronously (agreement, consensus, rater stats, flags)."

    def add_arguments(self, parser):
        parser.add_argument("client_slug")

    def handle(self, *args, client_slug: str, **options):
        try:
            client = client_get(slug=client_slug)
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        run = quality_recompute(client=client, progress=self.stdout.write)
        if run is not None and run.status == run.Status.SUCCEEDED:
            self.stdout.write(self.style.SUCCESS(f"Quality run {run.id}: {run.n_ratings:,} ratings checked."))
