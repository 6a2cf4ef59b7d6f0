"""Gold service: scoped to the client; bad scores are ValidationErrors with short messages."""
import pytest
from django.core.exceptions import ValidationError

from feedback.errors import NotFound
from feedback.models import GoldReference
from feedback.services.gold import gold_set
from tests.factories import CreativeFactory

pytestmark = pytest.mark.django_db


def test_gold_for_another_clients_creative_is_not_found_and_writes_nothing(tenant):
    stranger = CreativeFactory()
    scores = {str(c.id): 3 for c in tenant["criteria"]}
    with pytest.raises(NotFound):
        gold_set(client=tenant["client"], creative=stranger, scores=scores, by=tenant["manager"])
    assert not GoldReference.objects.exists()


def test_many_unknown_criteria_get_a_bounded_list_of_errors(tenant):
    creative = CreativeFactory(client=tenant["client"])
    scores = {**{str(c.id): 3 for c in tenant["criteria"]}, **{f"x{i}": 1 for i in range(1000)}}
    with pytest.raises(ValidationError) as caught:
        gold_set(client=tenant["client"], creative=creative, scores=scores, by=tenant["manager"])
    errors = caught.value.message_dict["scores"]
    assert len(errors) == 11 and errors[-1] == "... and 990 more unknown criteria."
