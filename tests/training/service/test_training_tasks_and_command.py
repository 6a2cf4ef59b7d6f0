"""Task names and routes are pinned; the retrain command trains in-process with --wait."""
from io import StringIO

from django.core.management import call_command

from config.celery_app import app
from training import tasks
from training.models import ModelVersion


def test_task_names_are_fixed_and_acks_late():
    assert tasks.check_retrain.name == "training.check_retrain"
    assert tasks.execute_run.name == "training.execute_run"
    assert tasks.sweep.name == "training.sweep"
    assert all(t.acks_late and t.time_limit for t in (tasks.check_retrain, tasks.execute_run, tasks.sweep))


def test_training_tasks_route_to_the_training_queue_and_the_sweep_to_default():
    router = app.amqp.router
    assert router.route({}, "training.execute_run")["queue"].name == "training"
    assert router.route({}, "training.check_retrain")["queue"].name == "training"
    assert router.route({}, "training.sweep")["queue"].name == "default"
    assert app.conf.beat_schedule["training-sweep"]["task"] == "training.sweep"


def test_retrain_wait_trains_and_promotes_in_process(labelled):
    out = StringIO()
    call_command("retrain", labelled["client"].slug, "--wait", stdout=out, stderr=StringIO())
    assert "succeeded promoted" in out.getvalue()
    assert ModelVersion.objects.get(client=labelled["client"]).is_active
