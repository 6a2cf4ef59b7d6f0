"""A real Celery worker process for integration tests, and waiting on a condition with a deadline."""
import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.stack import wait_until  # noqa: F401  (one definition; tests import it from here too)

ROOT = Path(__file__).resolve().parent.parent


class WorkerProcess:
    """`celery worker` on the test database and the test broker, in its own process group."""

    def __init__(self, *, queues: str, log_path: Path, concurrency: int = 1, extra_args: tuple[str, ...] = ()):
        self.log_path = log_path
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queues,
            "-c", str(concurrency), "--pool=prefork", "-n", f"test-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle", "-l", "info", *extra_args,
        ]
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until(self._ready, timeout=60, what=f"the worker to start (log: {log_path})")

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"Worker exited early:\n{self.log_path.read_text()[-3000:]}")
        return "ready." in self.log_path.read_text()

    def log(self) -> str:
        return self.log_path.read_text()

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), like a machine dying."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()
