"""Review pages for reviewers and managers: quality dashboard, flag queue, item page and actions.

Views are thin: resolve the client through membership (404 for strangers, 403 below reviewer),
call one selector or service, render. Actions are POST forms with CSRF, then redirect.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from feedback.models import Role
from feedback.selectors import client_membership_require, client_user_get
from jobs.health import client_health
from review.models import Flag
from review.quality import REASONS
from review.selectors import RATER_SORTS, creative_review_get, flag_queue_get, review_dashboard_get
from review.services.decisions import (
    creative_request_more,
    flags_decide,
    rater_exclude,
    rater_include,
    ratings_decide,
)
from review.services.recompute import quality_request
from review.web.charts import alpha_trend_chart

FLAGS_PER_PAGE = 50


def _reviewer_client(request, client_slug: str):
    return client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.REVIEWER)


RATER_SORT_LABELS = {
    "reliability": "Reliability", "speed_ratio": "Speed vs team", "bias": "Bias",
    "self_consistency": "Self-consistency", "gold_accuracy": "Gold accuracy", "n_ratings": "Ratings",
    "n_flagged": "Flagged",
}


@login_required
@require_GET
def dashboard(request, client_slug: str):
    """Alpha per criterion with its weekly trend, label counts by status, sortable rater table."""
    client, membership = _reviewer_client(request, client_slug)
    sort = request.GET.get("sort", "-reliability")
    page = review_dashboard_get(client=client, sort=sort)
    charts = [(row, alpha_trend_chart(row.weeks)) for row in page.summary.criteria]
    context = {
        "client": client, "membership": membership, "summary": page.summary, "charts": charts,
        "raters": page.raters, "sort": sort,
        "sorts": [(field, RATER_SORT_LABELS[field]) for field in RATER_SORTS],
        "rater_decisions": page.rater_decisions, "run_health": client_health(client_id=client.id),
    }
    return render(request, "review/dashboard.html", context)


@login_required
@require_GET
def flag_queue(request, client_slug: str):
    """Flags, most severe first, filterable by reason, rater, criterion and status; paginated."""
    client, membership = _reviewer_client(request, client_slug)
    filters = {
        "reason": request.GET.get("reason", ""),
        "rater": request.GET.get("rater", ""),
        "criterion": request.GET.get("criterion", ""),
        "status": request.GET.get("status", Flag.Status.OPEN),
    }
    if any("\x00" in value for value in filters.values()):
        # No stored name holds one, and PostgreSQL refuses them in a query: a 400 (DomainErrorMiddleware).
        raise ValidationError("Filters may not contain NUL characters.")
    criterion = filters["criterion"] if filters["criterion"].isdigit() else None
    status = filters["status"] if filters["status"] in Flag.Status.values else None
    queue = flag_queue_get(
        client=client, reason=filters["reason"] or None, rater=filters["rater"] or None, criterion=criterion,
        status=status,
    )
    page = Paginator(queue.flags, FLAGS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "client": client, "membership": membership, "page": page, "filters": filters, "reasons": REASONS,
        "statuses": Flag.Status.values, "criteria": queue.criteria, "rater_names": queue.rater_names,
        "query": request.GET.urlencode(),
    }
    return render(request, "review/flags.html", context)


@login_required
@require_POST
def flag_decide(request, client_slug: str):
    """Accept or reject the checked flags (one or many)."""
    client, _ = _reviewer_client(request, client_slug)
    action = request.POST.get("action")
    ids = [int(i) for i in request.POST.getlist("flag") if i.isdigit()]
    if action in ("accept", "reject") and ids:
        decided = flags_decide(client=client, actor=request.user, flag_ids=ids, action=action,
                               note=request.POST.get("note", "")[:2000])
        messages.success(request, f"{action.capitalize()}ed {len(decided)} rating(s).")
    else:
        messages.warning(request, "Choose accept or reject and at least one flag.")
    return _back(request, reverse("review-flags", args=[client.slug]))


@login_required
@require_GET
def item(request, client_slug: str, creative_id: int):
    """One creative: every rating with its rater and flags, the consensus, the model's score, decisions."""
    client, membership = _reviewer_client(request, client_slug)
    review = creative_review_get(client=client, creative_id=creative_id)
    rows = []
    for rating in review.ratings:
        scores = {score.criterion_id: score.value for score in rating.scores.all()}
        flags = {flag.criterion_id: flag for flag in rating.flags.all()}
        rows.append({
            "rating": rating, "excluded": rating.rater_id in review.excluded_rater_ids,
            "cells": [(scores.get(c.id), flags.get(c.id)) for c in review.criteria],
            "flag_ids": [flag.id for flag in flags.values()],
        })
    consensus = [(c, review.consensus.get(c.id), review.predictions.get(c.id)) for c in review.criteria]
    context = {"client": client, "membership": membership, "review": review, "rows": rows, "consensus": consensus}
    return render(request, "review/item.html", context)


@login_required
@require_POST
def item_decide(request, client_slug: str, creative_id: int):
    """Accept or reject one rating from the item page."""
    client, _ = _reviewer_client(request, client_slug)
    action = request.POST.get("action")
    rating_id = request.POST.get("rating", "")
    if action in ("accept", "reject") and rating_id.isdigit():
        ratings_decide(client=client, actor=request.user, rating_ids=[int(rating_id)], action=action)
    return redirect("review-item", client.slug, creative_id)


@login_required
@require_POST
def item_request_more(request, client_slug: str, creative_id: int):
    """Raise the creative's overlap by one rater."""
    client, _ = _reviewer_client(request, client_slug)
    creative = creative_request_more(client=client, actor=request.user, creative_id=creative_id)
    messages.success(request, f"The queue now asks {creative.extra_overlap} more rater(s) for this creative.")
    return redirect("review-item", client.slug, creative_id)


@login_required
@require_POST
def rater_decide(request, client_slug: str, rater_id: int):
    """Exclude a rater (all their labels rejected) or include them again (by id: names may contain anything)."""
    client, _ = _reviewer_client(request, client_slug)
    rater = client_user_get(client=client, user_id=rater_id)
    username = rater.get_username()
    if request.POST.get("action") == "include":
        rater_include(client=client, actor=request.user, rater_id=rater.id)
        messages.success(request, f"{username} is included again; their labels go back to the checker.")
    else:
        rater_exclude(client=client, actor=request.user, rater_id=rater.id)
        messages.success(request, f"{username} is excluded: all their labels in {client.name} are rejected.")
    return _back(request, reverse("review-dashboard", args=[client.slug]))


@login_required
@require_POST
def recompute(request, client_slug: str):
    """Ask for a recompute now (debounced like every other request)."""
    client, _ = _reviewer_client(request, client_slug)
    queued = quality_request(client_id=client.id)
    messages.success(request, "Recompute queued." if queued else "A recompute is already queued or running.")
    return redirect("review-dashboard", client.slug)


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(fallback)
