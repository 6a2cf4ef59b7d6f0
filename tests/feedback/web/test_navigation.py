"""The navigation bar: each role sees exactly its pages, the current one marked; the switcher keeps the section."""
import pytest

from feedback.web.navigation import NAV_ITEMS, client_links, items_for_role, section_url
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CLIENT_PAGES = {
    "rater": ["rate"],
    "reviewer": ["rate", "review-dashboard", "review-flags", "training-overview"],
    "manager": ["rate", "review-dashboard", "review-flags", "training-overview", "creative-list", "rubric",
                "members", "client-settings"],
}


@pytest.mark.parametrize("role", list(CLIENT_PAGES))
def test_each_role_gets_exactly_its_pages(role):
    assert [item.url_name for item in items_for_role(role)] == CLIENT_PAGES[role]


def test_agency_entries_are_not_client_entries_of_any_role():
    agency = {item.url_name for item in NAV_ITEMS if not item.needs_client}
    assert "agency-clients" in agency
    assert not agency & {item.url_name for item in items_for_role("manager")}


def test_the_page_in_a_section_marks_its_entry_current_and_the_longest_match_wins():
    links = {link.url_name: link.current for link in client_links(slug="acme", role="manager",
                                                                     current_url_name="review-flag-decide")}
    assert links["review-flags"] and not links["review-dashboard"]
    links = {link.url_name: link.current for link in client_links(slug="acme", role="manager",
                                                                     current_url_name="review-item")}
    assert links["review-dashboard"] and not links["review-flags"]


def test_switching_keeps_a_section_the_role_allows_and_falls_back_to_rate():
    assert section_url(slug="acme", role="manager", url_name="rubric-edit") == "/c/acme/rubric/"
    assert section_url(slug="acme", role="rater", url_name="rubric-edit") == "/rate/acme/"
    assert section_url(slug="acme", role="reviewer", url_name="") == "/rate/acme/"


def _nav_urls(response) -> list[str]:
    return [link.url_name for link in response.context["nav"]["links"]]


@pytest.mark.parametrize("role", list(CLIENT_PAGES))
def test_the_bar_on_a_client_page_lists_the_roles_pages(client, tenant, role):
    client.force_login(tenant[role])
    response = client.get(f"/rate/{tenant['client'].slug}/")
    assert _nav_urls(response) == CLIENT_PAGES[role]
    assert response.context["nav"]["agency"] == []


def test_the_bar_shows_agency_pages_to_superusers_only(client, tenant):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(f"/review/{tenant['client'].slug}/")
    assert _nav_urls(response) == CLIENT_PAGES["manager"]
    agency = [item.url_name for item in NAV_ITEMS if not item.needs_client]
    assert [link.url_name for link in response.context["nav"]["agency"]] == agency
    assert "agency-clients" in agency


def test_training_pages_carry_the_shared_bar(client, tenant):
    client.force_login(tenant["reviewer"])
    response = client.get(f"/train/{tenant['client'].slug}/")
    assert b'data-nav="training-overview" class="active" aria-current="page"' in response.content


def test_the_switcher_appears_only_for_people_in_several_clients(client, tenant):
    client.force_login(tenant["rater"])
    assert b'id="switch-client"' not in client.get("/").content
    MembershipFactory(user=tenant["rater"], client=ClientFactory(), role="manager")
    assert b'id="switch-client"' in client.get("/").content


def test_the_switch_keeps_the_section_where_the_target_role_allows_it(client, tenant):
    other = ClientFactory()
    MembershipFactory(user=tenant["manager"], client=other, role="reviewer")
    client.force_login(tenant["manager"])
    response = client.get("/switch/", {"client": other.slug, "section": "review-flags"})
    assert response.url == f"/review/{other.slug}/flags/"
    response = client.get("/switch/", {"client": other.slug, "section": "members"})
    assert response.url == f"/rate/{other.slug}/"


def test_switching_to_a_client_i_do_not_belong_to_is_not_found(client, tenant):
    client.force_login(tenant["manager"])
    assert client.get("/switch/", {"client": ClientFactory().slug, "section": "rate"}).status_code == 404
    assert client.get("/switch/", {"client": "a\x00b"}).status_code == 404


def test_the_home_page_lists_the_same_entries_per_client(client, tenant):
    MembershipFactory(user=tenant["reviewer"], client=ClientFactory(), role="rater")
    client.force_login(tenant["reviewer"])
    rows = client.get("/").context["clients"]
    by_client = {c.slug: [link.url_name for link in links] for c, _, _, links in rows}
    assert by_client[tenant["client"].slug] == CLIENT_PAGES["reviewer"]
    assert sorted(len(v) for v in by_client.values()) == [1, 4]


def test_login_and_lockout_pages_extend_the_layout_without_a_bar(client, db):
    response = client.get("/login/")
    assert response.context["nav"] is None
    assert b'class="topbar"' in response.content


def test_on_the_home_page_someone_in_one_client_sees_that_clients_bar(client, tenant):
    client.force_login(tenant["reviewer"])
    assert _nav_urls(client.get("/")) == CLIENT_PAGES["reviewer"]
    MembershipFactory(user=tenant["reviewer"], client=ClientFactory())
    assert _nav_urls(client.get("/")) == []


def test_switch_pressed_before_choosing_a_client_goes_home(client, tenant):
    client.force_login(tenant["manager"])
    assert client.get("/switch/").url == "/"
