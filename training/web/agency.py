"""Agency admins' pages (superusers): the transfer check of every chosen client's model on the others' labels."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from training.selectors import agency_client_models
from training.services.transfer import TRANSFER_MAX_CLIENTS, transfer_check_compute


@login_required
@require_http_methods(["GET", "POST"])
def transfer(request):
    """GET: choose clients; POST: run the check (synchronous, bounded) and show model x client data."""
    clients = agency_client_models(user=request.user)
    chosen = request.POST.getlist("clients") if request.method == "POST" else []
    context = {"clients": clients, "chosen": chosen, "max_clients": TRANSFER_MAX_CLIENTS, "result": None,
               "error": ""}
    status = 200
    if request.method == "POST":
        try:
            context["result"] = transfer_check_compute(actor=request.user, client_slugs=chosen)
        except ValidationError as exc:
            context["error"], status = " ".join(exc.messages), 400
    return render(request, "training/agency/transfer.html", context, status=status)
