"""Django admin for agency admins: pages render and creative text is escaped."""
import pytest

from tests.factories import CreativeFactory

pytestmark = pytest.mark.django_db


def test_creative_changelist_escapes_headlines(admin_client):
    CreativeFactory(headline="<script>alert(1)</script>")
    response = admin_client.get("/admin/feedback/creative/")
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.parametrize("model", ["client", "membership", "creative", "criterion", "rating"])
def test_admin_changelists_render(admin_client, model):
    CreativeFactory()
    assert admin_client.get(f"/admin/feedback/{model}/").status_code == 200
