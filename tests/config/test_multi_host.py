"""Several machines that share only PostgreSQL, Redis and the object store, over the network.

Four hosts, each a network namespace with its own empty MEDIA_ROOT and home folder: `web` (gunicorn),
`quality` (the quality worker, also consuming `default` for the sweeps), `training` (the training
worker) and `beat`. PostgreSQL, Redis and the S3 server are private ones started by the test,
listening only on the bridge. Ratings posted to the web host lead to a quality report computed on the
quality host, a model trained on the training host, and scores answered by the web host (which loads
the model from the bucket). Every MEDIA_ROOT stays empty: no host reads another's disk.
"""
import json
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.hosts import Network, Process, SharedServices, multi_host_unavailable, wait_port

pytestmark = [pytest.mark.integration, pytest.mark.skipif(bool(multi_host_unavailable()),
                                                          reason=multi_host_unavailable() or "")]

HOSTS = ["web", "quality", "training", "beat"]
CREATIVES = 30
RATERS = 3
TINY = {"hidden": 32, "max_epochs": 60, "patience": 8, "batch_size": 32, "learning_curve_fractions": [0.5],
        "oof_folds": 2, "mc_samples": 5}


# One process for the deploy's setup: the same management commands an operator runs.
SETUP = f"""
from django.core.management import call_command
call_command("create_client", "mh", name="Multi Host", retrain_threshold=20)
for user, role in [("mh-manager", "manager")] + [(f"mh-rater-{{i}}", "rater") for i in range({RATERS})]:
    call_command("add_member", "mh", user, role, password="Multi-host-pass-1")
"""


def _host_env(*, services: SharedServices, folder: Path, web_address: str) -> dict[str, str]:
    """What one host knows: the network addresses of the shared services, and its own folders."""
    for name in ("media", "home", "var"):
        (folder / name).mkdir(parents=True)
    keep = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "PYTHONPATH") if name in os.environ}
    return {
        **keep, **services.s3.environ(bucket=services.bucket),
        "HOME": str(folder / "home"), "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "TASTEMAKER_VAR_DIR": str(folder / "var"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": "multi-host-test-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": web_address, "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": services.database_url, "CELERY_BROKER_URL": services.broker_url,
        "QUALITY_DEBOUNCE_SECONDS": "1", "QUALITY_SWEEP_S": "5", "TASTEMAKER_TRAINING_SWEEP_S": "5",
        "TASTEMAKER_TEXT_ENCODER": "hashing", "TASTEMAKER_TRAINING_HYPERPARAMETERS": json.dumps(TINY),
        "TASTEMAKER_PROMOTION_MARGIN": "0.0", "TASTEMAKER_TORCH_THREADS": "1", "HF_HUB_OFFLINE": "1",
    }


def _manage(env, namespace, folder: Path, *args: str) -> None:
    process = Process([sys.executable, "manage.py", *args], namespace=namespace, env=env,
                      log=folder / f"manage-{args[0]}-{time.monotonic_ns()}.log")
    assert process.process.wait(timeout=120) == 0, f"manage.py {' '.join(args)} failed:\n{process.text()[-3000:]}"
    process.stop()


def _celery(env, namespace, folder: Path, *args: str) -> Process:
    return Process([sys.executable, "-m", "celery", "-A", "config", *args], namespace=namespace, env=env,
                   log=folder / "celery.log")


def _wait(predicate, *, timeout: float, what: str, processes: dict[str, Process]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in processes.items():
            if not process.alive():
                raise AssertionError(f"the {name} host's process exited:\n{process.text()[-3000:]}")
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    logs = "\n".join(f"--- {name}\n{p.text()[-1500:]}" for name, p in processes.items())
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}\n{logs}")


def _png(bold: bool, index: int) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (230, 40 + index, 40) if bold else (40, 40 + index, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_ratings_on_the_web_host_are_checked_trained_and_scored_on_other_hosts(tmp_path):
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="tm-multihost-"))
    network = services = None
    processes: dict[str, Process] = {}
    try:
        network = Network(HOSTS)
        services = SharedServices(address=network.gateway, folder=folder)
        web_address = network.addresses["web"]
        envs = {h: _host_env(services=services, folder=folder / h, web_address=web_address) for h in HOSTS}
        ns = network.namespaces
        _assert_shared_services_out_of_reach(ns["web"], envs["web"], folder)

        # Deploy from the web host: schema, one client, its people.
        _manage(envs["web"], ns["web"], folder, "migrate", "--noinput")
        _manage(envs["web"], ns["web"], folder, "shell", "-c", SETUP)
        phases = {"deployed": time.monotonic()}

        processes["web"] = Process(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"{web_address}:8000", "-w", "2",
             "--timeout", "60"],
            namespace=ns["web"], env=envs["web"], log=folder / "web" / "gunicorn.log",
        )
        processes["quality"] = _celery(envs["quality"], ns["quality"], folder / "quality", "worker", "-Q",
                                       "quality,default", "-c", "1", "-n", "quality@%h", "--without-gossip",
                                       "--without-mingle", "-l", "info")
        processes["training"] = _celery(envs["training"], ns["training"], folder / "training", "worker", "-Q",
                                        "training", "-c", "1", "-n", "training@%h", "--without-gossip",
                                        "--without-mingle", "-l", "info")
        processes["beat"] = _celery(envs["beat"], ns["beat"], folder / "beat", "beat", "-l", "info", "-s",
                                    str(folder / "beat" / "var" / "schedule"))
        wait_port(web_address, 8000, timeout=60, what="gunicorn on the web host", process=processes["web"])
        for name in ("quality", "training"):
            _wait(lambda name=name: "ready." in processes[name].text(), timeout=90, what=f"the {name} worker",
                  processes=processes)

        phases["hosts up"] = time.monotonic()
        api = _Api(f"http://{web_address}:8000/api/v1", "mh")
        manager = api.token("mh-manager")
        api.patch("", manager, {"repeat_rate": 0.0, "gold_rate": 0.0, "overlap": RATERS})
        criteria = [
            api.post("criteria/", manager, {"name": name, "question": f"How {name}?", "scale_min": 1, "scale_max": 5,
                                            "anchors": {str(p): f"point {p}" for p in range(1, 6)}}).json()["id"]
            for name in ("appeal", "clarity")
        ]
        creatives = []
        for i in range(CREATIVES):
            bold = i % 3 == 0
            headline = f"{'bold bright summer' if bold else 'quiet plain notice'} {i}"
            response = api.post("creatives/", manager, {"external_id": f"c{i}", "headline": headline, "body": "B"},
                                files={"image": (f"c{i}.png", _png(bold, i), "image/png")})
            creatives.append((response.json()["id"], bold))
        first_image = api.get(f"creatives/{creatives[0][0]}/", manager).json()["image"]
        served = requests.get(first_image, headers={"Authorization": f"Token {manager}"}, timeout=30)
        assert served.status_code == 200 and served.content == _png(True, 0)  # streamed by web from the bucket

        raters = [api.token(f"mh-rater-{i}") for i in range(RATERS)]
        for creative_id, bold in creatives:
            for index, rater in enumerate(raters):
                value = (5 if bold else 2) - (index == 2 and not bold)  # one rater a little harsher on plain ones
                api.post("ratings/", rater, {"creative": creative_id, "duration_ms": 4000,
                                             "client_uuid": str(uuid.uuid4()),
                                             "scores": {str(c): value for c in criteria}})
        rated = time.monotonic()

        quality = _wait(lambda: _succeeded(api.get("quality/", manager).json(), "last_run"), timeout=60,
                        what="a quality report", processes=processes)
        clean = time.monotonic()
        run = _wait(lambda: _trained(api.get("training-runs/", manager).json()), timeout=90,
                    what="a trained model", processes=processes)
        trained = time.monotonic()
        ids = [creative_id for creative_id, _ in creatives]
        scores = api.post("scores/", manager, {"creatives": ids})
        scored = time.monotonic()

        assert scores.status_code == 200 and scores.json()["model_version"] == run["model_version"]
        by_id = {r["creative"]: r["scores"]["appeal"]["mean"] for r in scores.json()["results"]}
        bold_mean = sum(by_id[c] for c, b in creatives if b) / sum(b for _, b in creatives)
        plain_mean = sum(by_id[c] for c, b in creatives if not b) / sum(not b for _, b in creatives)
        assert bold_mean > plain_mean
        assert quality["counts"].get("clean", 0) > 0
        # Each step ran where it should: the report on the quality host, the model on the training host.
        assert _ran("review.quality_recompute", processes["quality"]) and not _ran("review.quality_recompute",
                                                                                    processes["training"])
        assert _ran("training.execute_run", processes["training"]) and not _ran("training.execute_run",
                                                                                processes["quality"])
        assert "Sending due task" in processes["beat"].text()
        keys = services.s3.keys(services.bucket)
        assert sum(k.startswith("clients/") and "/creatives/" in k for k in keys) == CREATIVES
        assert sum("/thumbnails/" in k for k in keys) == CREATIVES
        assert any(k.startswith("models/") for k in keys)
        for host in HOSTS:  # nobody wrote (or could have read) a file on a host's own disk
            assert list((folder / host / "media").iterdir()) == [], f"{host} wrote to its MEDIA_ROOT"

        print("\nsetup: " + ", ".join(f"{name} at {at - started:.1f}s" for name, at in phases.items()))
        print(f"multi-host timeline (setup {rated - started:.1f}s, {CREATIVES * RATERS} ratings posted to web):")
        print(f"  rating -> clean   {clean - rated:6.2f}s  (quality report on the quality host)")
        print(f"  clean  -> trained {trained - clean:6.2f}s  (model v{run['model_version']} on the training host)")
        print(f"  trained -> scored {scored - trained:6.2f}s  (scores answered by the web host)")
        print(f"  total             {scored - rated:6.2f}s; whole test {time.monotonic() - started:.1f}s")
    finally:
        for process in processes.values():
            process.stop()
        if services is not None:
            services.close()
        if network is not None:
            network.close()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)


def _assert_shared_services_out_of_reach(namespace: str, env: dict, folder: Path) -> None:
    """Inside a host, 127.0.0.1 is its own loopback: the machine's shared PostgreSQL is not there."""
    probe = Process([sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 5432), 2)"],
                    namespace=namespace, env=env, log=folder / "probe.log")
    assert probe.process.wait(timeout=30) != 0 and "Connection refused" in probe.text()
    probe.stop()


def _ran(task: str, process: Process) -> bool:
    """Whether this worker's log shows the task succeeding (not just listed among registered tasks)."""
    return re.search(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", process.text()) is not None


def _succeeded(body: dict, key: str):
    run = body.get(key)
    return body if run and run["status"] == "succeeded" else None


def _trained(body) -> dict | None:
    runs = body["results"] if isinstance(body, dict) else body
    for run in runs:
        if run["status"] in ("failed", "cancelled"):
            raise AssertionError(f"training run failed: {run.get('error')}")
        if run["status"] == "succeeded" and run["model_version"]:
            return run
    return None


class _Api:
    """The REST API of the web host, as an outside client uses it (token auth)."""

    def __init__(self, base: str, slug: str):
        self.base, self.client_url = base, f"{base}/clients/{slug}/"
        self.session = requests.Session()

    def token(self, username: str) -> str:
        response = self.session.post(f"{self.base}/auth/token/", data={"username": username,
                                                                       "password": "Multi-host-pass-1"}, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()["token"]

    def _call(self, method: str, path: str, token: str, **kwargs) -> requests.Response:
        response = self.session.request(method, self.client_url + path, headers={"Authorization": f"Token {token}"},
                                        timeout=60, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response

    def get(self, path: str, token: str) -> requests.Response:
        return self._call("GET", path, token)

    def post(self, path: str, token: str, body: dict, files: dict | None = None) -> requests.Response:
        return self._call("POST", path, token, data=body, files=files) if files else \
            self._call("POST", path, token, json=body)

    def patch(self, path: str, token: str, body: dict) -> requests.Response:
        return self._call("PATCH", path, token, json=body)
