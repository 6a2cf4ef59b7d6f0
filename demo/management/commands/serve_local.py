"""manage.py serve_local — the newcomer's whole stack: migrate, demo data, web server and a real worker."""
import os
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from demo.services import DEMO_PASSWORD, DEMO_SLUG, DEMO_STAFF
from demo.supervisor import Child, Supervisor
from feedback.models import Client


class Command(BaseCommand):
    help = (
        "Run Tastemaker locally on the embedded defaults (or DATABASE_URL/CELERY_BROKER_URL when set): "
        "apply migrations, load the demo client when the database is empty, start the web server and a "
        "Celery worker (with beat) as child processes, restarted when they die. Ctrl-C, SIGTERM, SIGHUP or "
        "the end of the parent process stops everything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo client")
        parser.add_argument("--demo-creatives", type=int, default=300, help="Size of the demo client")
        parser.add_argument("--stop-timeout", type=float, default=8.0,
                            help="Seconds a stopping child has for its warm shutdown before it is killed")

    def handle(self, *args, port, no_demo, demo_creatives, stop_timeout, **options):
        started = time.monotonic()
        supervisor = Supervisor(
            children=[Child("worker", self._worker_argv()), Child("web", self._web_argv(port))],
            log=lambda line: self.stderr.write(f"serve_local: {line}"), grace_s=stop_timeout,
        )
        # Before anything starts: a Ctrl-C, SIGTERM or SIGHUP during migrate or seeding stops cleanly too.
        supervisor.install_signal_handlers()
        try:
            call_command("migrate", interactive=False, verbosity=0)
            self.stdout.write("Database ready.")
            if not no_demo and not Client.objects.exists():
                self.stdout.write("Empty database: loading the demo client (one minute or so)…")
                call_command("seed_demo", creatives=demo_creatives)
        except KeyboardInterrupt:
            self.stdout.write(f"Stopped. ({supervisor.stop_reason or 'interrupted'} before anything started)")
            return
        finally:
            connections.close_all()  # the children open their own; nothing of ours stays open meanwhile
        if supervisor.stop_reason is None:
            self._print_ready(port, time.monotonic() - started)
        reason = supervisor.run()
        self.stdout.write(f"Stopped. ({reason})")
        # Every child is gone and nothing of ours is open: skip Python's teardown of Django and the
        # rest, seconds on a busy machine, so a stop is over when it says so.
        self.stdout.flush()
        self.stderr.flush()
        os._exit(0)

    def _worker_argv(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "-Q", "default,quality,training",
                "-c", "2", "-l", "warning", "-s", str(settings.VAR_DIR / "celerybeat-schedule")]

    def _web_argv(self, port: int) -> list[str]:
        return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]

    def _print_ready(self, port: int, seconds: float) -> None:
        logins = ", ".join([*DEMO_STAFF, "maya.chen", "…"])
        self.stdout.write(self.style.SUCCESS(f"\nTastemaker is ready after {seconds:.0f}s: http://127.0.0.1:{port}/"))
        self.stdout.write(f"  Demo client '{DEMO_SLUG}'. Logins: {logins} — password {DEMO_PASSWORD}")
        self.stdout.write(f"  API docs: http://127.0.0.1:{port}/api/docs/   Admin: http://127.0.0.1:{port}/admin/")
        self.stdout.write("  Press Ctrl-C to stop the web server and the worker.\n")
