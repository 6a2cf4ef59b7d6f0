"""Agency admins' pages (superusers only): every client at a glance, and creating a client.

They live in `training` because the list reads all three layers (labels from feedback, agreement
from review, models from here) and only this app may import the other two.
"""
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from feedback.services.tenancy import client_create
from feedback.web.forms import add_service_errors
from training.selectors import agency_client_overview


class ClientCreateForm(forms.Form):
    """A new client's slug (its URLs) and display name."""

    slug = forms.SlugField(max_length=64, help_text="Lowercase letters, digits and hyphens; it appears in every URL.")
    name = forms.CharField(max_length=200, help_text="How the client is shown, e.g. Acme Coffee.")


@login_required
@require_http_methods(["GET", "POST"])
def clients(request):
    """All clients with labels, agreement, active model and last training; a form to create one."""
    if not request.user.is_superuser:
        raise PermissionDenied("Only agency admins see every client.")
    form = ClientCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, created = client_create(slug=form.cleaned_data["slug"].lower(), name=form.cleaned_data["name"],
                                            actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, f"Client {client.name} created: add its rubric and members next.")
                return redirect("agency-clients")
            form.add_error("slug", f"A client with the slug {client.slug} exists already ({client.name}).")
    context = {"rows": agency_client_overview(), "form": form}
    return render(request, "training/agency_clients.html", context)
