"""Managers' setup pages: rubric editor, members, settings with the change log (roles, errors, queries)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback.models import AuditEvent, Client, Criterion, Membership
from feedback.services.tenancy import client_settings_update
from tests.factories import (
    ClientFactory,
    CreativeFactory,
    CriterionFactory,
    MembershipFactory,
    RatingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PAGES = ["rubric/", "rubric/new/", "rubric/{criterion}/", "members/", "settings/"]


def _url(tenant, page: str) -> str:
    return f"/c/{tenant['client'].slug}/" + page.format(criterion=tenant["criteria"][0].id)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("role", "status"), [("rater", 403), ("reviewer", 403), ("manager", 200)])
def test_setup_pages_are_for_managers(client, tenant, page, role, status):
    client.force_login(tenant[role])
    assert client.get(_url(tenant, page)).status_code == status


@pytest.mark.parametrize("page", PAGES)
def test_setup_pages_of_another_client_are_not_found(client, tenant, page):
    client.force_login(MembershipFactory(client=ClientFactory(), role="manager").user)
    assert client.get(_url(tenant, page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_agency_admins_open_every_setup_page(client, tenant, page):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(_url(tenant, page)).status_code == 200


# --- Rubric ---


def _criterion_post(**overrides) -> dict:
    data = {"name": "clarity", "question": "Is the message clear?", "scale_min": "1", "scale_max": "3",
            "level": "ordinal", "anchor_1": "muddled", "anchor_2": "fair", "anchor_3": "crisp"}
    return {**data, **overrides}


def test_a_manager_adds_a_criterion_with_an_anchor_per_point_at_the_end(client, tenant):
    client.force_login(tenant["manager"])
    response = client.post(_url(tenant, "rubric/new/"), _criterion_post())
    assert response.status_code == 302
    added = Criterion.objects.get(client=tenant["client"], name="clarity")
    assert added.anchors == {"1": "muddled", "2": "fair", "3": "crisp"}
    assert added.order > max(c.order for c in tenant["criteria"])
    assert AuditEvent.objects.filter(action="criterion.created", actor=tenant["manager"]).exists()


def test_a_missing_anchor_is_named_next_to_the_anchors_and_nothing_is_saved(client, tenant):
    client.force_login(tenant["manager"])
    response = client.post(_url(tenant, "rubric/new/"), _criterion_post(anchor_2=""))
    assert response.status_code == 200
    assert response.context["anchor_errors"] == ["Anchor text is missing for: 2."]
    assert b'id="anchors-error"' in response.content
    assert not Criterion.objects.filter(name="clarity").exists()


def test_a_wider_scale_posted_shows_fields_for_its_new_points(client, tenant):
    client.force_login(tenant["manager"])
    response = client.post(_url(tenant, "rubric/new/"), _criterion_post(scale_max="5"))
    assert response.context["form"].points == [1, 2, 3, 4, 5]
    assert response.context["anchor_errors"] == ["Anchor text is missing for: 4, 5."]


def test_a_taken_name_is_shown_on_the_form(client, tenant):
    client.force_login(tenant["manager"])
    response = client.post(_url(tenant, "rubric/new/"), _criterion_post(name=tenant["criteria"][0].name))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Criterion.objects.filter(client=tenant["client"]).count() == 2


def test_a_rated_criterion_shows_its_scale_locked_with_the_reason(client, tenant):
    RatingFactory(creative=CreativeFactory(client=tenant["client"]), rater=tenant["rater"])
    client.force_login(tenant["manager"])
    response = client.get(_url(tenant, "rubric/{criterion}/"))
    assert response.context["form"].fields["scale_min"].disabled
    assert b"The scale is locked because ratings already use it" in response.content


def test_a_locked_scale_ignores_a_posted_scale_and_saves_the_rest(client, tenant):
    RatingFactory(creative=CreativeFactory(client=tenant["client"]), rater=tenant["rater"])
    criterion = tenant["criteria"][0]
    client.force_login(tenant["manager"])
    data = {"name": criterion.name, "question": "A new question?", "scale_min": "0", "scale_max": "9",
            "level": "ordinal", **{f"anchor_{p}": f"a{p}" for p in range(1, 6)}}
    assert client.post(_url(tenant, "rubric/{criterion}/"), data).status_code == 302
    criterion.refresh_from_db()
    assert (criterion.scale_min, criterion.scale_max, criterion.question) == (1, 5, "A new question?")


def test_an_unrated_criterion_edits_its_scale(client, tenant):
    client.force_login(tenant["manager"])
    data = {**_criterion_post(name=tenant["criteria"][0].name)}
    assert client.post(_url(tenant, "rubric/{criterion}/"), data).status_code == 302
    assert Criterion.objects.get(id=tenant["criteria"][0].id).scale_max == 3


def test_moving_a_criterion_down_reorders_and_brings_focus_back(client, tenant):
    first, second = tenant["criteria"]
    client.force_login(tenant["manager"])
    response = client.post(f"/c/{tenant['client'].slug}/rubric/{first.id}/move/", {"direction": "down"})
    assert response.url.endswith(f"?moved={first.id}-down")
    page = client.get(response.url)
    assert [c.id for c in page.context["criteria"]] == [second.id, first.id]
    # Now last, its down button is disabled: the focus goes to its up button.
    assert page.context["focus"] == f"{first.id}-up"
    assert f'value="up" aria-label="Move {first.name} up" autofocus'.encode() in page.content


def test_deactivating_and_reactivating_a_criterion(client, tenant):
    criterion = tenant["criteria"][0]
    client.force_login(tenant["manager"])
    url = f"/c/{tenant['client'].slug}/rubric/{criterion.id}/active/"
    client.post(url, {"active": "0"})
    assert not Criterion.objects.get(id=criterion.id).active
    client.post(url, {"active": "1"})
    assert Criterion.objects.get(id=criterion.id).active


def test_an_unknown_active_value_is_a_bad_request(client, tenant):
    client.force_login(tenant["manager"])
    url = f"/c/{tenant['client'].slug}/rubric/{tenant['criteria'][0].id}/active/"
    assert client.post(url, {"active": "maybe"}).status_code == 400


def test_another_clients_criterion_under_my_slug_is_not_found(client, tenant):
    stranger = CriterionFactory(client=ClientFactory())
    client.force_login(tenant["manager"])
    assert client.get(f"/c/{tenant['client'].slug}/rubric/{stranger.id}/").status_code == 404
    assert client.post(f"/c/{tenant['client'].slug}/rubric/{stranger.id}/move/", {"direction": "up"}).status_code == 404


def test_the_rubric_list_reads_a_fixed_number_of_queries(client, tenant):
    client.force_login(tenant["manager"])
    url = _url(tenant, "rubric/")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        CriterionFactory(client=tenant["client"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 8


# --- Members ---


def test_a_manager_adds_an_existing_user_by_username(client, tenant):
    maya = UserFactory(username="maya")
    client.force_login(tenant["manager"])
    response = client.post(_url(tenant, "members/"), {"person": "maya", "role": "rater"})
    assert response.status_code == 302
    assert Membership.objects.get(client=tenant["client"], user=maya).role == "rater"


def test_adding_someone_without_an_account_says_so_next_to_the_field(client, tenant):
    client.force_login(tenant["manager"])
    response = client.post(_url(tenant, "members/"), {"person": "ghost@example.com", "role": "rater"})
    assert "No account has the username or email" in response.context["form"].errors["person"][0]
    assert b'id="id_person-error"' in response.content


def test_changing_a_role_from_the_list(client, tenant):
    client.force_login(tenant["manager"])
    url = f"/c/{tenant['client'].slug}/members/{tenant['rater'].id}/"
    assert client.post(url, {"action": "role", "role": "reviewer"}).status_code == 302
    assert Membership.objects.get(client=tenant["client"], user=tenant["rater"]).role == "reviewer"


def test_removing_the_last_manager_shows_why_beside_them_and_keeps_them(client, tenant):
    client.force_login(tenant["manager"])
    url = f"/c/{tenant['client'].slug}/members/{tenant['manager'].id}/"
    response = client.post(url, {"action": "remove"})
    assert response.status_code == 200
    assert "is the last manager" in response.context["row_errors"][tenant["manager"].id][0]
    assert Membership.objects.filter(client=tenant["client"], user=tenant["manager"]).exists()


def test_removing_a_rater(client, tenant):
    client.force_login(tenant["manager"])
    client.post(f"/c/{tenant['client'].slug}/members/{tenant['rater'].id}/", {"action": "remove"})
    assert not Membership.objects.filter(client=tenant["client"], user=tenant["rater"]).exists()


@pytest.mark.parametrize("body", [{}, {"action": "fly"}, {"action": "role", "role": "owner"}])
def test_a_member_change_no_form_sends_is_a_bad_request(client, tenant, body):
    client.force_login(tenant["manager"])
    assert client.post(f"/c/{tenant['client'].slug}/members/{tenant['rater'].id}/", body).status_code == 400


def test_a_member_of_another_client_cannot_be_changed_from_mine(client, tenant):
    stranger = MembershipFactory(client=ClientFactory()).user
    client.force_login(tenant["manager"])
    url = f"/c/{tenant['client'].slug}/members/{stranger.id}/"
    assert client.post(url, {"action": "remove"}).status_code == 404


def test_the_members_list_reads_a_fixed_number_of_queries(client, tenant):
    client.force_login(tenant["manager"])
    url = _url(tenant, "members/")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(10):
        MembershipFactory(client=tenant["client"])
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few) <= 8


# --- Settings and the change log ---


def test_the_settings_page_shows_each_range_and_what_it_changes(client, tenant):
    client.force_login(tenant["manager"])
    content = client.get(_url(tenant, "settings/")).content.decode()
    assert 'name="overlap" min="1" max="20"' in content.replace('value="3" ', "")
    assert "Distinct raters each creative should reach" in content and "(10 to 3600)" in content


def test_saving_settings_changes_the_client_and_logs_it(client, tenant):
    client.force_login(tenant["manager"])
    data = {"overlap": "5", "repeat_rate": "0.1", "gold_rate": "0.05", "lease_seconds": "300",
            "retrain_threshold": "40"}
    assert client.post(_url(tenant, "settings/"), data).status_code == 302
    saved = Client.objects.get(id=tenant["client"].id)
    assert (saved.overlap, saved.repeat_rate, saved.lease_seconds, saved.retrain_threshold) == (5, 0.1, 300, 40)
    page = client.get(_url(tenant, "settings/"))
    event, words, changes = page.context["events"][0]
    assert (event.action, words) == ("client.settings_changed", "Settings changed") and ("overlap", 3, 5) in changes


def test_a_setting_out_of_range_is_named_with_its_range_and_nothing_saved(client, tenant):
    client.force_login(tenant["manager"])
    data = {"overlap": "50", "repeat_rate": "0.3", "gold_rate": "0.3", "lease_seconds": "120",
            "retrain_threshold": "50"}
    response = client.post(_url(tenant, "settings/"), data)
    errors = response.context["form"].errors
    assert errors["overlap"] == ["Must be between 1 and 20."]
    assert "together must be at most 0.5" in " ".join(errors.get("__all__", []))
    assert Client.objects.get(id=tenant["client"].id).overlap == 3


def test_the_change_log_is_paginated_newest_first_and_reads_a_fixed_number_of_queries(client, tenant):
    for value in range(2, 20):
        client_settings_update(client=tenant["client"], actor=tenant["manager"], overlap=value)
    client.force_login(tenant["manager"])
    url = _url(tenant, "settings/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert len(queries) <= 10
    assert page.context["events"][0][2] == [("overlap", 18, 19)]
    for value in range(20, 1, -1):
        client_settings_update(client=tenant["client"], actor=tenant["manager"], overlap=value)
    with CaptureQueriesContext(connection) as more:
        second = client.get(url + "?page=2")
    assert len(more) == len(queries)
    total = AuditEvent.objects.filter(client=tenant["client"]).count()
    assert second.context["page"].number == 2 and len(second.context["events"]) == total - 25 > 0
