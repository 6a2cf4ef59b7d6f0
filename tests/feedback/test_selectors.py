"""Selectors: the rubric cache follows every write to a client's criteria (the version trigger)."""
import pytest

from feedback.models import Client, Criterion
from feedback.selectors import rubric_active
from tests.factories import ClientFactory, CriterionFactory

pytestmark = pytest.mark.django_db


def _version(client) -> int:
    return Client.objects.values_list("rubric_version", flat=True).get(id=client.id)


def test_every_criterion_insert_update_and_delete_bumps_the_rubric_version():
    client = ClientFactory()
    versions = [_version(client)]
    criterion = CriterionFactory(client=client)
    versions.append(_version(client))
    Criterion.objects.filter(id=criterion.id).update(active=False)  # a bulk update, no save()
    versions.append(_version(client))
    criterion.delete()
    versions.append(_version(client))
    assert versions == sorted(set(versions)) and len(versions) == 4


def test_a_current_client_reads_the_rubric_from_the_cache(django_assert_num_queries):
    client = ClientFactory()
    CriterionFactory(client=client)
    current = Client.objects.get(id=client.id)
    rubric_active(client=current)
    with django_assert_num_queries(0):
        assert [c.client_id for c in rubric_active(client=current)] == [client.id]


def test_a_client_loaded_after_a_rubric_change_sees_the_change():
    client = ClientFactory()
    kept = CriterionFactory(client=client)
    rubric_active(client=Client.objects.get(id=client.id))
    Criterion.objects.filter(id=kept.id).update(active=False)
    assert rubric_active(client=Client.objects.get(id=client.id)) == ()


def test_a_client_object_older_than_the_rubric_is_never_served_from_the_cache():
    stale = ClientFactory()  # loaded before its criteria exist: its version is behind the database
    criteria = [CriterionFactory(client=stale, order=i) for i in range(2)]
    rubric_active(client=stale)
    CriterionFactory(client=stale, order=5)
    assert [c.id for c in rubric_active(client=stale)][:2] == [c.id for c in criteria]
    assert len(rubric_active(client=stale)) == 3
