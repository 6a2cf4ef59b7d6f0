"""The Content-Security-Policy is enforced on every response, and no template needs 'unsafe-inline'."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = sorted(p for app in ("feedback", "review", "training", "demo") for p in (ROOT / app).rglob("*.html"))
# What a CSP without 'unsafe-inline' refuses: a <script> with inline code (JSON data blocks are not
# scripts), an event-handler attribute, a style attribute or element, a javascript: URL.
INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
    "event handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_the_project_has_templates_to_check():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("template", TEMPLATES, ids=[str(t.relative_to(ROOT)) for t in TEMPLATES])
def test_no_template_holds_inline_script_handler_or_style(template):
    text = template.read_text()
    found = [kind for kind, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{template.relative_to(ROOT)}: {', '.join(found)}"


@pytest.mark.parametrize("path", ["/login/", "/api/v1/clients/"])
def test_responses_carry_an_enforcing_policy_without_unsafe_inline(client, db, path):
    policy = client.get(path)["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
