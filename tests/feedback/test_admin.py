"""Django admin for agency admins: pages render and creative text is escaped."""
import pytest

from feedback.models import AuditEvent
from feedback.services.audit import audit_record
from feedback.services.tokens import api_token_issue
from tests.factories import CreativeFactory, CriterionFactory, MembershipFactory, RatingFactory

pytestmark = pytest.mark.django_db


def test_creative_changelist_escapes_headlines(admin_client):
    CreativeFactory(headline="<script>alert(1)</script>")
    response = admin_client.get("/admin/feedback/creative/")
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize("model", ["client", "membership", "creative", "criterion", "rating", "auditevent"])
def test_admin_changelists_list_the_stored_objects(admin_client, model):
    criterion = CriterionFactory()
    rating = RatingFactory(creative=CreativeFactory(client=criterion.client))
    MembershipFactory(client=rating.client)
    audit_record(action="client.settings_changed", client=rating.client, target="client:listed")
    response = admin_client.get(f"/admin/feedback/{model}/")
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert changelist.result_count == changelist.model.objects.count() > 0
    for row in changelist.result_list:
        assert f"/admin/feedback/{model}/{row.pk}/change/" in response.content.decode()


def test_the_audit_log_is_read_only_in_the_admin(admin_client):
    event = audit_record(action="login.failed", actor_name="someone")
    assert admin_client.get("/admin/feedback/auditevent/add/").status_code == 403
    assert admin_client.post(f"/admin/feedback/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_role_changed_in_the_admin_is_audited(admin_client, admin_user):
    membership = MembershipFactory(role="rater")
    response = admin_client.post(
        f"/admin/feedback/membership/{membership.pk}/change/",
        {"user": membership.user_id, "client": membership.client_id, "role": "manager"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="membership.role_changed")
    assert (event.actor, event.before, event.after) == (admin_user, {"role": "rater"}, {"role": "manager"})


def test_an_admin_revokes_api_tokens(admin_client, admin_user):
    user = MembershipFactory().user
    token, key = api_token_issue(user=user)
    response = admin_client.post(
        "/admin/feedback/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_reason == "admin"
    assert AuditEvent.objects.get(action="token.revoked").after == {"tokens": 1, "reason": "admin"}


def test_the_token_admin_never_shows_digests(admin_client):
    token, _ = api_token_issue(user=MembershipFactory().user)
    page = admin_client.get(f"/admin/feedback/apitoken/{token.pk}/change/").content.decode()
    assert token.digest not in page and token.session_hash not in page


@pytest.mark.parametrize("field, value", [("overlap", 0), ("repeat_rate", 2), ("retrain_threshold", 0),
                                          ("gold_rate", -0.1), ("lease_seconds", 5)])
def test_the_admin_client_form_refuses_an_out_of_range_setting_with_the_range(rf, admin_user, field, value):
    from django.contrib import admin

    from feedback.models import CLIENT_SETTING_RANGES, Client

    request = rf.get("/admin/")
    request.user = admin_user
    form_class = admin.site._registry[Client].get_form(request)
    data = {"slug": "acme", "name": "Acme", "overlap": 3, "repeat_rate": 0.05, "gold_rate": 0.05,
            "lease_seconds": 120, "retrain_threshold": 50, field: value}
    form = form_class(data=data)
    assert not form.is_valid() and field in form.errors
    low, high = CLIENT_SETTING_RANGES[field]
    assert any(str(low) in message or str(high) in message for message in form.errors[field])
