"""Training pages: runs with a live loss curve, model cards with the learning curve, creative scores."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from feedback.models import Role
from feedback.selectors import client_membership_require, creative_get, creative_prediction_list
from jobs.health import client_health
from training.selectors import model_card_get, training_overview_get, training_run_get
from training.services.runs import new_clean_examples, training_run_cancel, training_run_request


@login_required
@require_GET
def overview(request, client_slug: str):
    """Runs, versions and how close the next automatic retrain is."""
    client, membership = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.REVIEWER)
    overview = training_overview_get(client=client)
    context = {
        "client": client, "can_manage": membership.has_role(Role.MANAGER),
        "runs": overview.runs, "versions": overview.versions, "active": overview.active,
        # A read that lives with the run lifecycle (training/services/runs.py), which decides retrains by it.
        "new_examples": new_clean_examples(client=client),
        "run_health": client_health(client_id=client.id),
    }
    return render(request, "training/overview.html", context)


@login_required
@require_POST
def run_start(request, client_slug: str):
    """Managers start a run; an existing queued or running run is shown instead."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    run = training_run_request(client=client, requested_by=request.user, trigger="manual")
    return redirect("training-run", client_slug=client.slug, run_id=run.id)


@login_required
@require_POST
def run_cancel(request, client_slug: str, run_id: int):
    """Managers cancel a queued or running run; a finished one says why it cannot be."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    run = training_run_get(client=client, run_id=run_id)
    try:
        training_run_cancel(run=run)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("training-run", client_slug=client.slug, run_id=run_id)


@login_required
@require_GET
def run_detail(request, client_slug: str, run_id: int):
    """State, epoch and the loss curve, refreshed in place from the run API every 2 s."""
    client, membership = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.REVIEWER)
    run = training_run_get(client=client, run_id=run_id)
    return render(request, "training/run.html", {"client": client, "run": run,
                                                  "can_manage": membership.has_role(Role.MANAGER),
                                                  "run_health": client_health(client_id=client.id)})


@login_required
@require_GET
def model_card(request, client_slug: str, version: int):
    """What the model was trained on, how well it does, and what better would take: all from stored facts."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.REVIEWER)
    card = model_card_get(client=client, version=version)
    model, names, snapshot = card.model, card.criterion_names, card.model.dataset_snapshot
    return render(request, "training/model_card.html", {
        "client": client, "model": model, "rows": _metric_rows(model.metrics, names),
        "artifact_present": card.artifact_present, "curve_points": _curve_points(model.learning_curve),
        "criteria": [_name(names, key) for key in snapshot.get("criteria", [])],
        "agreement": [(_name(names, key), alpha) for key, alpha in (snapshot.get("agreement") or {}).items()],
    })


@login_required
@require_GET
def creative_scores(request, client_slug: str, creative_id: int):
    """The stored model predictions of one creative."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.REVIEWER)
    creative = creative_get(client=client, creative_id=creative_id)
    predictions = creative_prediction_list(client=client, creative=creative)
    return render(request, "training/creative_scores.html",
                  {"client": client, "creative": creative, "predictions": predictions})


def _metric_rows(metrics: dict, names: dict[str, str]) -> list[dict]:
    new, base, active = metrics.get("new") or {}, metrics.get("baseline") or {}, metrics.get("active") or {}
    return [{"criterion": _name(names, key), "new": new[key], "baseline": base.get(key), "active": active.get(key)}
            for key in new]


def _name(names: dict[str, str], key) -> str:
    # Metrics and snapshots key criteria by id; a key that is no current criterion's id (one the
    # data migration could not map) is shown as stored.
    return names.get(str(key), str(key))


def _curve_points(curve: list[dict]) -> str:
    """SVG polyline points (600x200 box) for the learning curve."""
    if len(curve) < 2:
        return ""
    xs, ys = [p["n_labels"] for p in curve], [p["mae"] for p in curve]
    x0, x1, y1 = min(xs), max(xs) or 1, max(ys) or 1
    points = zip(xs, ys, strict=True)
    return " ".join(f"{40 + 540 * (x - x0) / max(x1 - x0, 1):.1f},{190 - 170 * y / y1:.1f}" for x, y in points)
