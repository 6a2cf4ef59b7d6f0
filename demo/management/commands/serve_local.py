"""manage.py serve_local — the newcomer's whole stack: migrate, demo data, web server and a real worker."""
import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from demo.services import DEMO_PASSWORD, DEMO_SLUG, DEMO_STAFF
from feedback.models import Client


class Command(BaseCommand):
    help = (
        "Run Tastemaker locally on the embedded defaults (or DATABASE_URL/CELERY_BROKER_URL when set): "
        "apply migrations, load the demo client when the database is empty, start the web server and a "
        "Celery worker (with beat) as child processes. Ctrl-C stops everything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo client")
        parser.add_argument("--demo-creatives", type=int, default=300, help="Size of the demo client")

    def handle(self, *args, port, no_demo, demo_creatives, **options):
        started = time.monotonic()
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database ready.")
        if not no_demo and not Client.objects.exists():
            self.stdout.write("Empty database: loading the demo client (one minute or so)…")
            call_command("seed_demo", creatives=demo_creatives)
        children = [self._worker(), self._web(port)]
        self._print_ready(port, time.monotonic() - started)
        self._supervise(children)

    def _worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "-Q", "default,quality,training",
             "-c", "2", "-l", "warning", "-s", str(settings.VAR_DIR / "celerybeat-schedule")],
            start_new_session=True,
        )

    def _web(self, port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            start_new_session=True,
        )

    def _print_ready(self, port: int, seconds: float) -> None:
        logins = ", ".join([*DEMO_STAFF, "maya.chen", "…"])
        self.stdout.write(self.style.SUCCESS(f"\nTastemaker is ready after {seconds:.0f}s: http://127.0.0.1:{port}/"))
        self.stdout.write(f"  Demo client '{DEMO_SLUG}'. Logins: {logins} — password {DEMO_PASSWORD}")
        self.stdout.write(f"  API docs: http://127.0.0.1:{port}/api/docs/   Admin: http://127.0.0.1:{port}/admin/")
        self.stdout.write("  Press Ctrl-C to stop the web server and the worker.\n")

    def _supervise(self, children: list[subprocess.Popen]) -> None:
        """Wait until a child dies, Ctrl-C or SIGTERM, then stop every child cleanly.

        The children run in their own sessions (a Ctrl-C must not kill the worker mid-task), so
        stopping them is this process's job. SIGINT is handled explicitly too: a shell that starts
        a background job makes it ignore SIGINT, and `kill -INT` must still stop everything.
        """
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, _interrupt)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
            self.stderr.write("A child process exited; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            for child in children:
                if child.poll() is None:
                    os.killpg(child.pid, signal.SIGTERM)
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
            self.stdout.write("Stopped.")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
