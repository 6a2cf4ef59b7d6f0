"""Rating pages: the keyboard-first rating page, and managers' creative list and page with gold references."""
from collections.abc import Sequence

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from feedback.models import Client, Creative, Role
from feedback.selectors import (
    QUEUE_COUNT_CAP,
    CreativeFilters,
    client_membership_require,
    creative_filter_choices,
    creative_get,
    creative_list_newest,
    criterion_list,
    gold_reference_scores,
    rater_progress,
)
from feedback.services.gold import gold_clear, gold_set
from feedback.services.ratings import UNDO_WINDOW
from feedback.web.creative_forms import CreativeEditForm, CreativeFilterForm


@login_required
@require_GET
def rate(request, client_slug: str):
    """One creative at a time; the page's script drives the queue API with the session."""
    client, membership = client_membership_require(user=request.user, slug=client_slug)
    criteria = [
        {"id": c.id, "name": c.name, "question": c.question, "min": c.scale_min, "max": c.scale_max,
         "points": [(p, c.anchors.get(str(p), "")) for p in range(c.scale_min, c.scale_max + 1)]}
        for c in criterion_list(client=client, active_only=True)
    ]
    done_today, left = rater_progress(client=client, rater=request.user)
    config = {
        "api": f"/api/v1/clients/{client.slug}/",
        "criteria": [{"id": c["id"], "name": c["name"]} for c in criteria],
        "undoSeconds": int(UNDO_WINDOW.total_seconds()),
        "countCap": QUEUE_COUNT_CAP,
    }
    context = {
        "client": client, "membership": membership, "criteria": criteria, "config": config,
        "done_today": done_today, "left": min(left, QUEUE_COUNT_CAP), "left_capped": left > QUEUE_COUNT_CAP,
    }
    return render(request, "feedback/rate.html", context)


@login_required
@require_GET
def creative_list_page(request, client_slug: str):
    """Managers: the client's creatives newest first, filtered by campaign, channel, format, tag, archived."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    form = CreativeFilterForm(request.GET, choices=creative_filter_choices(client=client))
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return HttpResponseBadRequest(f"Bad filter ({problems})"[:500], content_type="text/plain; charset=utf-8")
    filters = CreativeFilters(**form.cleaned_data)
    page = Paginator(creative_list_newest(client=client, filters=filters), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"client": client, "page": page, "form": form, "query": query.urlencode(), "filtered": any(
        value not in ("", None) for value in form.cleaned_data.values()
    )}
    return render(request, "feedback/creative_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def creative_detail(request, client_slug: str, creative_id: int):
    """Managers: one creative, its edit form, and a form to set (or remove) its gold reference scores."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    creative = creative_get(client=client, creative_id=creative_id)
    errors = []
    if request.method == "POST":
        criteria = list(criterion_list(client=client, active_only=True))
        try:
            if request.POST.get("action") == "clear":
                gold_clear(client=client, creative=creative)
                messages.success(request, "Gold reference removed.")
            else:
                gold_set(client=client, creative=creative, scores=_posted_scores(request, criteria), by=request.user)
                messages.success(request, "Gold reference saved.")
            return redirect("creative-detail", client_slug=client.slug, creative_id=creative.id)
        except ValidationError as exc:
            errors = exc.messages
    return creative_detail_render(request, client=client, creative=creative, gold_errors=errors)


def creative_detail_render(
    request: HttpRequest, *, client: Client, creative: Creative, gold_errors: Sequence[str] = (),
    edit_form: CreativeEditForm | None = None,
) -> HttpResponse:
    """The creative page, shared by the gold form here and the edit form (creative_views)."""
    reference = gold_reference_scores(creative=creative)
    rows = [
        {"criterion": c, "points": range(c.scale_min, c.scale_max + 1), "value": reference.get(str(c.id))}
        for c in criterion_list(client=client, active_only=True)
    ]
    context = {
        "client": client, "creative": creative, "rows": rows, "errors": gold_errors,
        "edit_form": edit_form or CreativeEditForm.for_creative(creative),
    }
    return render(request, "feedback/creative_detail.html", context)


def _posted_scores(request, criteria) -> dict[str, int]:
    scores = {}
    for criterion in criteria:
        raw = request.POST.get(f"score-{criterion.id}", "")
        if raw.strip().lstrip("-").isdigit():
            scores[str(criterion.id)] = int(raw)
    return scores
