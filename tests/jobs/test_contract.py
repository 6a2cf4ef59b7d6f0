"""The task contract: every task is declared once, registered under that name, routed to its queue."""
import pytest
from django.conf import settings

from config.celery_app import app
from jobs import contract


@pytest.mark.parametrize("task", contract.TASKS, ids=lambda t: t.name)
def test_every_contract_task_is_a_registered_task_with_time_limits_and_late_acks(task):
    app.loader.import_default_modules()
    registered = app.tasks[task.name]
    assert registered.acks_late and registered.soft_time_limit < registered.time_limit


@pytest.mark.parametrize("task", contract.TASKS, ids=lambda t: t.name)
def test_every_contract_task_is_routed_to_its_queue(task):
    assert app.amqp.router.route({}, task.name)["queue"].name == task.queue


def test_the_pinned_names_and_queues():
    assert {t.name: t.queue for t in contract.TASKS} == {
        "review.quality_recompute": "quality", "review.quality_sweep": "default",
        "training.execute_run": "training", "training.check_retrain": "training", "training.sweep": "default",
    }


def test_every_project_task_is_in_the_contract():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if name.split(".")[0] in {"feedback", "review", "training", "demo", "jobs"}}
    assert ours == {task.name for task in contract.TASKS}


def test_both_sweeps_are_on_the_beat_schedule_at_least_every_minute():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule.keys() == {contract.QUALITY_SWEEP.name, contract.TRAINING_SWEEP.name}
    assert max(schedule.values()) <= 60


def test_run_kinds_name_the_task_that_executes_them():
    assert contract.QUALITY_RUN.task is contract.QUALITY_RECOMPUTE
    assert contract.TRAINING_RUN.task is contract.TRAINING_EXECUTE
