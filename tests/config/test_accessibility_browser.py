"""Every page passes axe-core with no serious or critical violation, and works with the keyboard alone.

The pages are discovered from the URLconf (every GET route outside /api/ and /admin/, like the
isolation tests do), filled with a seeded client's objects, and opened as each role: whatever
answers 200 with HTML is a page and is checked; the login page (anonymous) and the admin index
(agency admin) are added. A page added later is covered without anyone listing it here; a route
whose URL has a parameter this module cannot fill fails the test, so it is never silently left out.

axe-core comes from the npm package (`npm ci`, the Makefile's `browser` target) and is injected
with Playwright's `add_script_tag(path=...)`. Playwright injects that file as an inline <script>,
which the project's Content-Security-Policy (script-src 'self') rightly blocks, so this module's
browser contexts use `bypass_csp=True` (`test_csp_blocks_the_injected_script` shows why); the other
browser tests keep the policy enforced and fail on any violation.
"""
import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from feedback.models import Rating, Role
from review.services.recompute import quality_recompute
from tests.browser import log_in
from tests.conftest import CHROMIUM_ARGS
from tests.factories import PASSWORD, ClientFactory, CreativeFactory, CriterionFactory, MembershipFactory, UserFactory
from tests.review.services.quality_data import agreeing_panel
from tests.routes import all_routes
from training.models import ModelVersion, TrainingRun
from training.services.execute import training_run_execute
from training.services.runs import training_run_request

pytestmark = pytest.mark.browser

AXE = Path(django_settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
TINY_TRAINING = {"hidden": 16, "max_epochs": 20, "patience": 4, "batch_size": 32,
                 "learning_curve_fractions": [0.5], "oof_folds": 2, "mc_samples": 3}


@pytest.fixture
def chromium():
    """Debian's Chromium through Playwright, and axe-core from node_modules (both required in CI)."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    missing = [] if shutil.which(path) else [f"Chromium at {path} (apt-get install chromium)"]
    missing += [] if AXE.is_file() else [f"{AXE} (npm ci --no-audit --no-fund)"]
    if missing:
        message = "needs " + " and ".join(missing)
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def seeded(transactional_db, settings):
    """A client whose every page has something on it: creatives, ratings, flags, a quality report,
    a training run and its model version; one member of each role and an agency admin."""
    settings.QUALITY_BOOTSTRAP_SAMPLES = 100
    settings.TASTEMAKER_TEXT_ENCODER = "hashing"
    settings.TASTEMAKER_TRAINING_HYPERPARAMETERS = json.dumps(TINY_TRAINING)
    settings.TASTEMAKER_TORCH_THREADS = 1
    client = ClientFactory(name="Acme Coffee", retrain_threshold=20)
    for i in range(2):
        CriterionFactory(client=client, order=i)
    users = {role: MembershipFactory(client=client, role=role).user for role in ("rater", "reviewer", "manager")}
    users["admin"] = UserFactory(is_superuser=True, is_staff=True)
    creatives, raters, _ = agreeing_panel(client, n_creatives=30, n_raters=4)
    for rater in raters:
        MembershipFactory(client=client, user=rater, role=Role.RATER)
    Rating.objects.filter(rater=raters[0]).update(duration_ms=100)  # far too fast: flagged
    for _ in range(3):
        CreativeFactory(client=client)  # waiting in the rater's queue
    quality_recompute(client=client)
    run = training_run_request(client=client, requested_by=users["manager"], trigger="manual")
    training_run_execute(run_id=run.id)
    version = ModelVersion.objects.filter(client=client).order_by("-version").first()
    values = {
        "client_slug": client.slug, "creative_id": creatives[0].id, "variant": "image",
        "run_id": TrainingRun.objects.get(id=run.id).id, "version": version.version if version else 1,
        "rater_id": raters[0].id, "user_id": raters[0].id, "criterion_id": client.criteria.first().id,
        "pk": creatives[0].id,
    }
    return {"client": client, "users": users, "values": {k: str(v) for k, v in values.items()}}


def page_paths(values: dict[str, str]) -> list[str]:
    """Every GET route of the URLconf that is not API or admin, filled with the seeded objects."""
    paths, unfilled = [], []
    for route in all_routes(skip_prefixes=("admin/", "api/")):
        if "GET" not in route.methods:
            continue
        try:
            paths.append(route.path(values))
        except KeyError as missing:
            unfilled.append(f"{route.pattern} needs {missing}")
    assert not unfilled, "Add a value for these URL parameters to `seeded`: " + "; ".join(unfilled)
    return sorted(set(paths))


def _axe(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 5).map(n => n.target.join(' ')), count: v.nodes.length}));
    }""")


def _html_pages(user, paths: list[str]) -> list[str]:
    """The paths that answer this user 200 with HTML (asked through Django's test client: no browser)."""
    from django.test import Client as WebClient

    web = WebClient()
    web.force_login(user)
    pages = []
    for path in paths:
        response = web.get(path)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            pages.append(path)
    return pages


def _check(page, url: str) -> list[dict]:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    return _axe(page)


def test_every_page_has_no_serious_or_critical_axe_violation(chromium, live_server, seeded):
    paths = page_paths(seeded["values"])
    assert {"/", "/login/"} <= set(paths)
    checked: dict[tuple[str, str], list[dict]] = {}

    anonymous = chromium.new_context(bypass_csp=True)
    login_page = anonymous.new_page()
    checked[("/login/", "anonymous")] = _check(login_page, f"{live_server.url}/login/")
    # The harness can fail: an image without a text alternative is a critical violation it reports.
    login_page.evaluate("() => document.querySelector('main, body').append(document.createElement('img'))")
    assert "image-alt" in {v["id"] for v in _axe(login_page) if v["impact"] == "critical"}
    anonymous.close()

    # Each page once, as the highest role that opens it (a manager's pages carry the most controls),
    # pages only agency admins open as an admin, and every role's home page (their own view of it).
    for role in ("manager", "admin", "reviewer", "rater"):
        user = seeded["users"][role]
        wanted = [p for p in paths if p != "/login/" and (p == "/" or p not in {done for done, _ in checked})]
        pages = _html_pages(user, wanted + (["/admin/"] if role == "admin" else []))
        if not pages:
            continue
        context = chromium.new_context(bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(30_000)
        log_in(page, live_server, user)
        for path in pages:
            checked[(path, role)] = _check(page, live_server.url + path)
        context.close()

    _print_table(checked)
    opened = {path for path, _ in checked}
    assert {"/", "/login/", "/admin/", f"/rate/{seeded['client'].slug}/"} <= opened
    blocking = [
        f"{path} as {role}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
        for (path, role), violations in checked.items() for v in violations if v["impact"] in BLOCKING
    ]
    assert not blocking, "axe-core serious/critical violations:\n" + "\n".join(blocking)


def _print_table(checked: dict) -> None:
    width = max(len(path) for path, _ in checked) + 2
    lines = [f"{'page':<{width}}{'role':<11}" + "".join(f"{impact:>10}" for impact in IMPACTS) + "  rules"]
    for (path, role), violations in sorted(checked.items()):
        counts = Counter(v["impact"] for v in violations)
        rules = ", ".join(f"{v['id']} ({v['impact']})" for v in violations)
        lines.append(f"{path:<{width}}{role:<11}" + "".join(f"{counts.get(i, 0):>10}" for i in IMPACTS)
                     + f"  {rules or '-'}")
    print("\naxe-core violations by impact (rules violated), per page and role:\n" + "\n".join(lines))


def test_csp_blocks_the_injected_script(chromium, live_server, transactional_db):
    """Why the contexts above bypass the policy: under it, add_script_tag's inline script never runs."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    with pytest.raises(Exception, match="Content Security Policy|Refused|error"):
        page.add_script_tag(path=str(AXE))
    assert page.evaluate("typeof window.axe") == "undefined"
    context.close()


def _focus_visible(page) -> bool:
    """The focused element shows it: an outline or a box-shadow (the focus ring) is drawn."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        const style = getComputedStyle(el);
        const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
        return outline || (style.boxShadow && style.boxShadow !== 'none');
    }""")


def _tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching selector has the focus, checking each stop is visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        on_body = page.evaluate("() => document.activeElement === document.body")
        if not on_body:  # the first Tab of a fresh tab may only give the document the focus
            where = page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")
            assert _focus_visible(page), f"focus is not visible on {where}"
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def queue(transactional_db, tenant):
    """A rater with three creatives waiting."""
    for _ in range(3):
        CreativeFactory(client=tenant["client"])
    return tenant


def test_login_form_and_rating_page_work_with_the_keyboard_alone(chromium, live_server, queue):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    rater = queue["rater"]
    page.goto(f"{live_server.url}/login/")
    _tab_to(page, "input[name=username]")
    page.keyboard.type(rater.username)
    _tab_to(page, "input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/rate/{queue['client'].slug}/")
    page.wait_for_selector("#item:not([hidden])")
    before = Rating.objects.filter(rater=rater).count()
    for fieldset in page.locator("fieldset.criterion").all():
        criterion = fieldset.get_attribute("data-criterion")
        _tab_to(page, f'fieldset[data-criterion="{criterion}"] button.point[data-value="3"]')
        page.keyboard.press("Space")
        assert fieldset.locator('button.point[data-value="3"]').get_attribute("aria-checked") == "true"
    _tab_to(page, "#submit")
    page.keyboard.press("Enter")
    page.wait_for_function("(n) => document.querySelector('#done-today').textContent.trim() === String(n)", arg=1)
    assert Rating.objects.filter(rater=rater).count() == before + 1
    context.close()
