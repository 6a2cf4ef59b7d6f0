"""Selectors of the managers' creative list: filters and the values offered for them."""
import pytest

from feedback.selectors import CreativeFilters, creative_filter_choices, creative_list_newest
from tests.factories import ClientFactory, CreativeFactory

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
