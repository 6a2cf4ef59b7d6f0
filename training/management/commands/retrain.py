"""manage.py retrain <client-slug> [--wait]: queue a run, or run it here with a progress bar."""
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from feedback.errors import NotFound
from feedback.selectors import client_get
from training.models import TrainingRun
from training.services.execute import training_run_execute
from training.services.runs import training_run_request


class Command(BaseCommand):
    help = "Retrain a client's model: queue it for the workers, or with --wait train in this process."

    def add_arguments(self, parser):
        parser.add_argument("client_slug")
        parser.add_argument("--wait", action="store_true", help="Train here (no broker needed) and show epochs.")

    def handle(self, *args, client_slug: str, wait: bool, **options):
        try:
            client = client_get(slug=client_slug)
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        run = training_run_request(client=client, requested_by=None, trigger=TrainingRun.Trigger.MANUAL)
        if not run.was_created:
            self.stdout.write(f"Run #{run.id} is already {run.status}; not starting another.")
        if not wait:
            self.stdout.write(f"Queued run #{run.id} on the training queue.")
            return
        max_epochs = int(run.hyperparameters.get("max_epochs", 0)) or None
        with tqdm(total=max_epochs, desc=f"{client.slug} run #{run.id}", unit="epoch") as bar:
            def on_epoch(stats):
                bar.update(1)
                bar.set_postfix(train=f"{stats.train_loss:.4f}", val=f"{stats.val_loss:.4f}")

            finished = training_run_execute(run_id=run.id, on_epoch=on_epoch)
        if finished is None:
            raise CommandError(f"Run #{run.id} was taken by a worker; follow it on the run page.")
        self.stdout.write(f"Run #{finished.id}: {finished.status} {finished.outcome} {finished.outcome_reason}")
        if finished.status == TrainingRun.Status.FAILED:
            raise CommandError(finished.error)
