"""docker-compose.yml describes the production shape with commands that exist in this project."""
import importlib
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services():
    assert {"postgres", "redis", "web", "worker", "training-worker", "beat"} <= set(COMPOSE["services"])


# Services built from the project's image (the others run a public image: postgres, redis, ...).
APP_SERVICES = [name for name, service in COMPOSE["services"].items() if "build" in service]


def test_the_app_services_are_the_ones_built_from_the_project():
    assert {"web", "worker", "training-worker", "beat", "migrate"} <= set(APP_SERVICES)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_app_service_command_exists_in_the_project(name):
    command = COMPOSE["services"][name]["command"]
    program = command[0]
    if program == "gunicorn":
        module, attr = command[1].split(":")
        assert hasattr(importlib.import_module(module), attr)
    elif program == "celery":
        assert command[1:3] == ["-A", "config"]
        assert importlib.import_module("config").celery_app.main == "tastemaker"
    elif command[:2] == ["python", "manage.py"]:
        assert command[2] in get_commands()
    else:
        pytest.fail(f"{name}: unknown program {program}")


def test_worker_queues_cover_every_routed_queue():
    from django.conf import settings

    served = set()
    for service in COMPOSE["services"].values():
        command = service.get("command") or []
        if "worker" in command:
            served |= set(command[command.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {"default"} <= served


def test_dockerfile_referenced_by_compose_exists():
    build = COMPOSE["x-app"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_openapi_schema_is_served_to_a_logged_in_user(client, other_user):
    client.force_login(other_user)
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"/api/v1/clients/" in response.content


def test_openapi_schema_answers_401_without_credentials(client, db):
    assert client.get("/api/schema/").status_code == 401


def test_api_docs_page_sends_anonymous_visitors_to_login(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_api_docs_page_uses_no_cdn_and_no_inline_script(client, other_user):
    client.force_login(other_user)
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower() and "<script>" not in page and "<style>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


def test_dockerfile_copies_every_application_package():
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    dockerfile = (ROOT / "config" / "Dockerfile").read_text()
    for package in (p.rstrip("*") for p in packages):
        if (ROOT / package).is_dir():
            assert f"COPY {package} ./{package}" in dockerfile, package
