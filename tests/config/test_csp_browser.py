"""Pages a browser renders under the enforcing policy: the API docs, the admin, the lockout page
(the `page` fixture fails a test on any violation the browser reports)."""
import pytest

from tests.browser import log_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_their_operations_under_the_policy(page, live_server):
    log_in(page, live_server, MembershipFactory(role="manager").user)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path")
    assert page.locator(".opblock-summary-path").count() > 20


def test_the_admin_works_under_the_policy(page, live_server):
    admin = UserFactory(is_staff=True, is_superuser=True)
    log_in(page, live_server, admin)
    page.goto(f"{live_server.url}/admin/feedback/auditevent/")
    page.wait_for_selector("#changelist")
    page.goto(f"{live_server.url}/admin/feedback/client/add/")
    page.wait_for_selector("input[name=slug]")
    page.locator("input[name=name]").press_sequentially("Prepopulated Slug")  # the admin's script fills the slug
    assert page.input_value("input[name=slug]") == "prepopulated-slug"


def test_the_lockout_page_renders_under_the_policy(page, live_server, settings):
    user = UserFactory()
    for i in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", f"wrong-{i}")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    assert "Too many failed logins" in page.content()
