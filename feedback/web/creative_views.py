"""Managers' creative pages: upload in the browser, edit copy and metadata, archive and unarchive."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.models import Role
from feedback.selectors import client_membership_require, creative_get
from feedback.services.creatives import creative_archive, creative_unarchive, creative_update
from feedback.web.creative_forms import CreativeEditForm
from feedback.web.rating_views import creative_detail_render

# Uploads in flight at once: enough to hide latency, few enough not to starve the server's workers.
UPLOAD_PARALLEL = 4


@login_required
@require_GET
def creative_upload_page(request, client_slug: str):
    """A drop zone for many images, or a CSV with its images; the page's script posts each to the API."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    config = {
        "api": f"/api/v1/clients/{client.slug}/creatives/",
        "creativePage": f"/c/{client.slug}/creatives/",
        "parallel": UPLOAD_PARALLEL,
        "maxBytes": settings.TASTEMAKER_MAX_IMAGE_BYTES,
    }
    return render(request, "feedback/creative_upload.html", {"client": client, "config": config})


@login_required
@require_POST
def creative_edit(request, client_slug: str, creative_id: int):
    """Save the edit form through creative_update (audited); errors show next to their fields."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    creative = creative_get(client=client, creative_id=creative_id)
    form = CreativeEditForm(request.POST)
    if form.is_valid():
        try:
            creative_update(creative=creative, data=form.update_data(), actor=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Creative saved.")
            return redirect("creative-detail", client_slug=client.slug, creative_id=creative.id)
        creative.refresh_from_db()
    return creative_detail_render(request, client=client, creative=creative, edit_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def creative_archive_confirm(request, client_slug: str, creative_id: int):
    """Ask, then archive (out of every queue, ratings kept) or put back an archived creative."""
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    creative = creative_get(client=client, creative_id=creative_id)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in {"archive", "unarchive"}:
            raise ValidationError({"action": ["Send action=archive or action=unarchive."]})
        if action == "archive":
            creative_archive(creative=creative, actor=request.user)
            messages.success(request, "Creative archived: it is out of every rating queue; its ratings are kept.")
        else:
            creative_unarchive(creative=creative, actor=request.user)
            messages.success(request, "Creative back in the rating queues.")
        return redirect("creative-detail", client_slug=client.slug, creative_id=creative.id)
    return render(request, "feedback/creative_archive.html", {"client": client, "creative": creative})
