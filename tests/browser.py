"""Helpers for browser tests (the `page` fixture itself lives in conftest.py)."""
from tests.factories import PASSWORD


def log_in(page, live_server, user) -> None:
    """Log in through the real login form and wait for the home page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
