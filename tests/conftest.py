"""Shared fixtures: factories' objects, API clients per role, media in a temporary folder."""
import io

import pytest
from PIL import Image
from rest_framework.test import APIClient

from tests.factories import ClientFactory, CriterionFactory, MembershipFactory, UserFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of one test never leak into another or into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One S3-protocol server process (moto's server mode) for the whole test session."""
    from tests.storage import S3Server

    server = S3Server(log_path=tmp_path_factory.mktemp("s3") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def storage_backend(request, settings, monkeypatch):
    """Run the test on the local folder and again on a fresh bucket of the S3 server.

    The environment is set too, so a worker process started by the test uses the same store.
    """
    import uuid

    from config.settings.storage import storages_from_environ

    if request.param == "filesystem":
        monkeypatch.setenv("TASTEMAKER_STORAGE", "filesystem")
        settings.STORAGES = storages_from_environ({"TASTEMAKER_STORAGE": "filesystem"})
        return {"name": "filesystem", "bucket": None}
    server = request.getfixturevalue("s3_server")
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    server.create_bucket(bucket)
    environ = server.environ(bucket=bucket)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings.STORAGES = storages_from_environ(environ)
    return {"name": "s3", "bucket": bucket, "server": server}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Login failures and lockouts (counted in the cache) never carry from one test into another."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def png_bytes():
    """A small real PNG; pass a colour to get distinct content."""

    def make(color=(200, 30, 30), size=(64, 48)) -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", size, color).save(buffer, format="PNG")
        return buffer.getvalue()

    return make


@pytest.fixture
def tenant(db):
    """A client with a 2-criterion rubric and one member of each role."""
    client = ClientFactory()
    criteria = [CriterionFactory(client=client, order=i) for i in range(2)]
    members = {role: MembershipFactory(client=client, role=role).user for role in ("rater", "reviewer", "manager")}
    return {"client": client, "criteria": criteria, **members}


@pytest.fixture
def api_as():
    """An API client authenticated as the given user (token auth, like outside clients)."""

    def make(user) -> APIClient:
        from feedback.services.tokens import api_token_issue

        api = APIClient()
        _, key = api_token_issue(user=user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return api

    return make


@pytest.fixture
def other_user(db):
    """A user who belongs to no client."""
    return UserFactory()


@pytest.fixture
def broker():
    """The test broker (Redis), emptied so no message of an earlier test is delivered."""
    import redis
    from django.conf import settings

    connection = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def celery_worker_process(transactional_db, broker, tmp_path):
    """A real `celery worker` process consuming every queue, on the test database.

    Tests using it must commit their data (transactional_db) so the worker can see it.
    Call `.kill()` to simulate a dead machine; a new one can be started with `start_worker`.
    """
    from tests.workers import WorkerProcess

    workers = []

    def start(queues: str = "default,quality,training") -> WorkerProcess:
        worker = WorkerProcess(queues=queues, log_path=tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    start.start_worker = start
    first = start()
    first.start_worker = start
    yield first
    for worker in workers:
        worker.stop()


CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def page(monkeypatch):
    """A tab in Debian's headless Chromium driven by Playwright (no browser download).

    Skipped on a developer machine without Chromium, but a failure in CI, where `make test`
    installs it: a browser test must never pass by not running. Every page runs under the
    project's enforcing Content-Security-Policy; a violation the browser reports fails the test
    (`page.csp_violations` lists them). A test that injects a script of its own (axe-core) makes
    its own context with Playwright's `bypass_csp=True`.
    """
    import os
    import shutil

    chromium = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not shutil.which(chromium):
        message = f"needs Chromium at {chromium} (apt-get install chromium)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the ORM calls here stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context()
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        tab.csp_violations = []
        tab.on("console", lambda message: _note_csp_violation(tab, message))
        yield tab
        context.close()
        browser.close()
        assert not tab.csp_violations, "Content-Security-Policy violations:\n" + "\n".join(tab.csp_violations)


def _note_csp_violation(tab, message) -> None:
    """Chromium reports every blocked script, style or handler as a console error naming the policy."""
    if message.type == "error" and "Content Security Policy" in message.text:
        tab.csp_violations.append(f"{tab.url}: {message.text[:300]}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, dropped cleanly even if a thread or a killed worker left a
    session open on it (otherwise the drop fails and the database is left behind)."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
