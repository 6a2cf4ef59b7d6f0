"""Selectors: the managers' creative list (filters and the values offered for them), and the rubric
cache following every write to a client's criteria (the version trigger)."""
import pytest

from feedback.models import Client, Criterion
from feedback.selectors import CreativeFilters, creative_filter_choices, creative_list_newest, rubric_active
from tests.factories import ClientFactory, CreativeFactory, CriterionFactory

pytestmark = pytest.mark.django_db


def test_filter_choices_are_distinct_sorted_and_skip_blanks():
    client = ClientFactory()
    CreativeFactory(client=client, campaign="b", channel="meta", format="", tags=["z", "a"])
    CreativeFactory(client=client, campaign="a", channel="meta", format="feed", tags=["a"])
    CreativeFactory(client=client, campaign="", tags=[])
    assert creative_filter_choices(client=client) == {
        "campaign": ["a", "b"], "channel": ["meta"], "format": ["feed"], "tag": ["a", "z"],
    }


def test_filter_choices_never_show_another_clients_values():
    client = ClientFactory()
    CreativeFactory(client=ClientFactory(), campaign="theirs", tags=["theirs"])
    assert creative_filter_choices(client=client) == {"campaign": [], "channel": [], "format": [], "tag": []}


def test_filters_combine_and_stay_inside_the_client():
    client = ClientFactory()
    wanted = CreativeFactory(client=client, campaign="s", tags=["x"])
    CreativeFactory(client=client, campaign="s", tags=["y"])
    CreativeFactory(client=ClientFactory(), campaign="s", tags=["x"])
    found = creative_list_newest(client=client, filters=CreativeFilters(campaign="s", tag="x", archived=False))
    assert list(found) == [wanted]


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
