"""Training pages: runs with a live loss curve, model cards with the learning curve, creative scores."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from feedback.errors import Conflict
from feedback.models import Role
from feedback.selectors import client_membership_require, creative_get, creative_prediction_list
from jobs.health import client_health
from training.selectors import model_card_get, training_overview_get, training_run_get
from training.services.overrides import model_version_override
from training.services.runs import new_clean_examples, training_run_cancel, training_run_request
from training.web.card import criterion_rows, learning_curve_chart, summary_sentences


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
    client, membership = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.REVIEWER)
    return _render_card(request, client=client, membership=membership, version=version)


@login_required
@require_POST
def model_override(request, client_slug: str, version: int):
    """Managers promote a held-back version with a reason; a refused one answers a short page (400 or 409)."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    card = model_card_get(client=client, version=version)
    try:
        model_version_override(version=card.model, actor=request.user, reason=request.POST.get("reason", ""),
                               ip=request.META.get("REMOTE_ADDR"))
    except (ValidationError, Conflict) as exc:
        # A short answer that says what to fix and links back (the card itself is long; the form also
        # checks the reason's length in the browser).
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return render(request, "training/override_refused.html", {"client": client, "version": version,
                      "error": text[:500]}, status=400 if isinstance(exc, ValidationError) else 409)
    messages.success(request, f"v{version} is now the active model.")
    return redirect("training-model", client_slug=client.slug, version=version)


def _render_card(request, *, client, membership, version: int):
    card = model_card_get(client=client, version=version)
    model, names = card.model, card.criterion_names
    return render(request, "training/model_card.html", {
        "client": client, "model": model, "rows": criterion_rows(model, names),
        "summary": summary_sentences(card=card, client_name=client.name, names=names, now=timezone.now()),
        "artifact_present": card.artifact_present,
        "chart": learning_curve_chart(model.learning_curve or [], (model.readiness or {}).get("target_mae")),
        "criteria": [_name(names, key) for key in (model.dataset_snapshot or {}).get("criteria", [])],
        "held_back": [{"criterion": _name(names, row["criterion"]), "against": row["against"]}
                      for row in (model.comparison or {}).get("held_back_for", [])],
        "margin": (model.comparison or {}).get("margin"),
        "can_override": membership.has_role(Role.MANAGER) and not model.promoted and card.artifact_present,
        "hyperparameters": [(key, _plain(value)) for key, value in sorted((model.hyperparameters or {}).items())],
        "library_versions": sorted((model.library_versions or {}).items()),
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


def _name(names: dict[str, str], key) -> str:
    # Metrics and snapshots key criteria by id; a key that is no current criterion's id (one the
    # data migration could not map) is shown as stored.
    return names.get(str(key), str(key))


def _plain(value) -> str:
    """A stored setting as a table cell: lists joined, everything else as written."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
