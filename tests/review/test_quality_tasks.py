"""Quality tasks: pinned names, queues, limits; thin wrappers over the service."""
import pytest
from django.conf import settings

from config.celery_app import app
from review import tasks
from review.models import QualityRun
from tests.review.services.quality_data import agreeing_panel


def test_task_names_queues_and_limits_are_pinned():
    recompute, sweep = tasks.quality_recompute_task, tasks.quality_sweep_task
    assert (recompute.name, sweep.name) == ("review.quality_recompute", "review.quality_sweep")
    assert app.amqp.router.route({}, recompute.name)["queue"].name == "quality"
    assert app.amqp.router.route({}, sweep.name)["queue"].name == "quality"
    assert recompute.acks_late and recompute.soft_time_limit < recompute.time_limit
    assert sweep.acks_late and sweep.soft_time_limit < sweep.time_limit


def test_sweep_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["quality-sweep"]
    assert entry["task"] == "review.quality_sweep" and entry["schedule"] <= 60


@pytest.mark.django_db
def test_recompute_task_runs_the_service_and_a_second_delivery_is_harmless(tenant, broker):
    agreeing_panel(tenant["client"])
    first = tasks.quality_recompute_task.run(client_id=tenant["client"].id)
    second = tasks.quality_recompute_task.run(client_id=tenant["client"].id)
    assert QualityRun.objects.get(id=first).status == "done"
    assert QualityRun.objects.get(id=second).status == "done"
    assert broker.llen("training") == 2


@pytest.mark.django_db
def test_recompute_task_for_a_deleted_client_does_nothing():
    assert tasks.quality_recompute_task.run(client_id=999_999) is None
