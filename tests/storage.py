"""A real S3-protocol server for tests: moto's server mode, started as its own process on a free port.

No S3 server binary (MinIO) installs from the registries here; moto's server speaks the same HTTP
protocol to boto3, so django-storages' S3Storage talks to it exactly as it would to a real store.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCESS_KEY = "tastemaker-test"
SECRET_KEY = "tastemaker-test-secret"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class S3Server:
    """`python -m moto.server` in its own process group; `.url` is its endpoint."""

    def __init__(self, *, host: str = "127.0.0.1", port: int | None = None, log_path: Path, netns: str | None = None):
        self.host, self.port = host, port or free_port(host)
        self.url = f"http://{host}:{self.port}"
        self.log_path = log_path
        command = [sys.executable, "-m", "moto.server", "-H", host, "-p", str(self.port)]
        if netns:
            command = ["ip", "netns", "exec", netns, *command]
        self._log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "MOTO_CALL_RESET_API": "false"},
        )
        self._wait_ready(timeout=60)

    def _wait_ready(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"moto server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).close()  # noqa: S310 - our own http:// server
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"moto server did not answer at {self.url} within {timeout:.0f}s")

    def environ(self, *, bucket: str) -> dict[str, str]:
        """The TASTEMAKER_* variables that point a process at `bucket` on this server."""
        return {
            "TASTEMAKER_STORAGE": "s3", "TASTEMAKER_S3_ENDPOINT_URL": self.url, "TASTEMAKER_S3_BUCKET": bucket,
            "TASTEMAKER_S3_ACCESS_KEY_ID": ACCESS_KEY, "TASTEMAKER_S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "TASTEMAKER_S3_REGION": "us-east-1",
        }

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.url, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )

    def create_bucket(self, bucket: str) -> None:
        self.client().create_bucket(Bucket=bucket)

    def keys(self, bucket: str) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self._log.close()


def replace_stored(name: str, data: bytes) -> None:
    """Put other bytes under an existing storage key, as a damaged disk or a careless operator would."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    default_storage.delete(name)
    assert default_storage.save(name, ContentFile(data)) == name
