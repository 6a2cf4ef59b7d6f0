"""manage.py seed_demo — load the demo client with real generated images and simulated raters."""
from django.core.management.base import BaseCommand
from tqdm import tqdm

from demo.services import demo_seed


class Command(BaseCommand):
    help = "Create the demo client: ~300 generated creatives, a 3-criterion rubric, 8 simulated raters."

    def add_arguments(self, parser):
        parser.add_argument("--creatives", type=int, default=300)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, creatives, seed, **options):
        with tqdm(total=creatives, desc="Rendering demo creatives", unit="creative", disable=None) as bar:
            summary = demo_seed(n_creatives=creatives, seed=seed, progress=lambda done, total: bar.update(1))
        self.stdout.write(self.style.SUCCESS(
            f"Demo client '{summary.client.slug}': {summary.creatives} creatives, {summary.ratings} ratings."
        ))
        self.stdout.write("Logins (password for all: " + next(iter(summary.logins.values())) + "):")
        self.stdout.write("  " + ", ".join(summary.logins))
