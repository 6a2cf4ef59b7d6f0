"""Quality tasks: thin wrappers over the service; a second delivery of a message is harmless.

Names, queues, limits and the beat schedule are pinned for every task in tests/jobs/test_contract.py.
"""
import pytest

from review import tasks
from review.models import QualityRun
from review.services.recompute import quality_request
from tests.review.services.quality_data import agreeing_panel

pytestmark = pytest.mark.django_db


def test_recompute_task_runs_the_queued_run_and_asks_training_to_check(tenant, broker, settings):
    settings.QUALITY_DEBOUNCE_SECONDS = 0
    agreeing_panel(tenant["client"])
    quality_request(client_id=tenant["client"].id)
    run = QualityRun.objects.get()
    assert tasks.quality_recompute_task.run(run_id=run.id) == "succeeded"
    assert broker.llen("training") == 1


def test_a_second_delivery_of_the_same_message_does_nothing(tenant, broker, settings):
    settings.QUALITY_DEBOUNCE_SECONDS = 0
    agreeing_panel(tenant["client"])
    quality_request(client_id=tenant["client"].id)
    run = QualityRun.objects.get()
    tasks.quality_recompute_task.run(run_id=run.id)
    assert tasks.quality_recompute_task.run(run_id=run.id) is None
    assert QualityRun.objects.get().status == "succeeded" and broker.llen("training") == 1


def test_recompute_task_for_a_run_that_no_longer_exists_does_nothing():
    assert tasks.quality_recompute_task.run(run_id=999_999) is None
