"""Django admin for agency admins: pages render and creative text is escaped."""
import pytest

from feedback.services.audit import audit_record
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
