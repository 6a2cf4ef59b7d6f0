"""Managers' setup pages: the rubric editor, the members, and the client's settings with its change log.

Views are thin: resolve the client through membership (404 for strangers, 403 below manager), parse
with a form, call one service, and redirect after a write; a service's ValidationError is shown next
to the field it names.
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback.api.authentication import client_ip
from feedback.models import CLIENT_SETTING_RANGES, Role
from feedback.selectors import (
    audit_event_list,
    client_membership_require,
    criterion_get,
    criterion_list_for_editor,
    membership_list,
)
from feedback.services.rubric import criterion_create, criterion_move, criterion_update
from feedback.services.tenancy import (
    client_settings_update,
    membership_add,
    membership_remove,
    membership_role_change,
)
from feedback.web.forms import ClientSettingsForm, CriterionForm, MemberAddForm, MemberRoleForm, add_service_errors

AUDIT_EVENTS_PER_PAGE = 25
# The change log's words for each action; an action not listed here is shown as stored.
AUDIT_ACTION_WORDS = {
    "client.created": "Client created",
    "client.settings_changed": "Settings changed",
    "membership.added": "Member added",
    "membership.role_changed": "Role changed",
    "membership.removed": "Member removed",
    "criterion.created": "Criterion added",
    "criterion.changed": "Criterion changed",
    "criterion.moved": "Criteria reordered",
}
SCALE_LOCKED = ("The scale is locked because ratings already use it: changing it would change what those "
                "labels mean. To use another scale, add a new criterion and deactivate this one.")


def _manager_client(request, client_slug: str):
    client, _ = client_membership_require(user=request.user, slug=client_slug, minimum_role=Role.MANAGER)
    return client


@login_required
@require_GET
def rubric(request, client_slug: str):
    """The rubric in order, with moving, deactivating and editing each criterion."""
    client = _manager_client(request, client_slug)
    criteria = list(criterion_list_for_editor(client=client))
    focus = _focus_after_move(request.GET.get("moved", ""), [c.id for c in criteria])
    context = {"client": client, "criteria": criteria, "focus": focus, "scale_locked": SCALE_LOCKED}
    return render(request, "feedback/rubric.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_new(request, client_slug: str):
    """Add a criterion with its question, scale and an anchor for every point."""
    client = _manager_client(request, client_slug)
    form = CriterionForm(request.POST or None)
    anchor_errors = {"anchors": []}
    if request.method == "POST" and form.is_valid():
        try:
            criterion = criterion_create(client=client, actor=request.user, order=_next_order(client),
                                         **form.criterion_data())
        except ValidationError as exc:
            add_service_errors(form, exc, anchor_errors)
        else:
            messages.success(request, f"Criterion {criterion.name} added.")
            return redirect("rubric", client_slug=client.slug)
    return _criterion_page(request, client, form, anchor_errors["anchors"], criterion=None)


@login_required
@require_http_methods(["GET", "POST"])
def rubric_edit(request, client_slug: str, criterion_id: int):
    """Change a criterion; its scale fields are locked, with the reason, once ratings use it."""
    client = _manager_client(request, client_slug)
    criterion = criterion_get(client=client, criterion_id=criterion_id)
    form = CriterionForm(request.POST or None, criterion=criterion, scale_locked=criterion.has_scores)
    anchor_errors = {"anchors": []}
    if request.method == "POST" and form.is_valid():
        try:
            criterion_update(criterion=criterion, data=form.criterion_data(), actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc, anchor_errors)
        else:
            messages.success(request, f"Criterion {criterion.name} saved.")
            return redirect("rubric", client_slug=client.slug)
    return _criterion_page(request, client, form, anchor_errors["anchors"], criterion=criterion)


@login_required
@require_POST
def rubric_move(request, client_slug: str, criterion_id: int):
    """Move a criterion one place up or down; focus comes back to the same button."""
    client = _manager_client(request, client_slug)
    criterion = criterion_get(client=client, criterion_id=criterion_id)
    direction = request.POST.get("direction", "")
    criterion_move(criterion=criterion, direction=direction, actor=request.user)
    return redirect(reverse("rubric", kwargs={"client_slug": client.slug}) + f"?moved={criterion.id}-{direction}")


@login_required
@require_POST
def rubric_active(request, client_slug: str, criterion_id: int):
    """Deactivate a criterion (raters stop seeing it; its labels stay) or reactivate it."""
    client = _manager_client(request, client_slug)
    criterion = criterion_get(client=client, criterion_id=criterion_id)
    active = request.POST.get("active", "")
    if active not in ("0", "1"):
        raise ValidationError("active must be 0 or 1.")
    criterion_update(criterion=criterion, data={"active": active == "1"}, actor=request.user)
    state = "active again: raters see it" if active == "1" else "inactive: raters no longer see it"
    messages.success(request, f"Criterion {criterion.name} is {state}.")
    return redirect("rubric", client_slug=client.slug)


@login_required
@require_http_methods(["GET", "POST"])
def members(request, client_slug: str):
    """The client's members and their roles, and a form to add someone who has an account."""
    client = _manager_client(request, client_slug)
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = membership_add(client=client, person=form.cleaned_data["person"],
                                        role=form.cleaned_data["role"], actor=request.user, ip=client_ip(request))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{membership.user.get_username()} added as {membership.role}.")
            return redirect("members", client_slug=client.slug)
    return _members_page(request, client, form, errors={})


@login_required
@require_POST
def member_change(request, client_slug: str, user_id: int):
    """Change a member's role (action=role) or remove them (action=remove); never the last manager."""
    client = _manager_client(request, client_slug)
    action = request.POST.get("action", "")
    form = MemberRoleForm(request.POST)
    # A request no form of the page sends is a 400 (DomainErrorMiddleware) saying what was expected.
    if action not in ("role", "remove"):
        raise ValidationError("action must be role or remove.")
    if action == "role" and not form.is_valid():
        raise ValidationError(f"role must be one of {', '.join(Role.values)}.")
    try:
        if action == "remove":
            membership_remove(client=client, user_id=user_id, actor=request.user, ip=client_ip(request))
            messages.success(request, "Member removed; their ratings stay.")
        else:
            membership = membership_role_change(client=client, user_id=user_id, role=form.cleaned_data["role"],
                                                actor=request.user, ip=client_ip(request))
            messages.success(request, f"{membership.user.get_username()} is now {membership.role}.")
    except ValidationError as exc:
        # The rule refused it (the last manager): the page again, the reason beside that member.
        return _members_page(request, client, MemberAddForm(), errors={user_id: exc.messages})
    return redirect("members", client_slug=client.slug)


@login_required
@require_http_methods(["GET", "POST"])
def client_settings(request, client_slug: str):
    """The client's five settings with their ranges, and below them the client's change log."""
    client = _manager_client(request, client_slug)
    form = ClientSettingsForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            client_settings_update(client=client, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("client-settings", client_slug=client.slug)
    page = Paginator(audit_event_list(client=client), AUDIT_EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    events = [(event, AUDIT_ACTION_WORDS.get(event.action, event.action), _changes(event)) for event in page]
    context = {"client": client, "form": form, "page": page, "events": events,
               "ranges": CLIENT_SETTING_RANGES}
    return render(request, "feedback/client_settings.html", context)


def _criterion_page(request, client, form, anchor_errors, *, criterion):
    context = {
        "client": client, "form": form, "criterion": criterion, "anchor_errors": anchor_errors,
        "scale_locked": SCALE_LOCKED if criterion is not None and criterion.has_scores else "",
    }
    return render(request, "feedback/rubric_form.html", context)


def _members_page(request, client, form, *, errors):
    rows = [(m, errors.get(m.user_id, [])) for m in membership_list(client=client)]
    context = {"client": client, "form": form, "rows": rows, "roles": Role.choices, "row_errors": errors}
    return render(request, "feedback/members.html", context)


def _focus_after_move(moved: str, ids: list[int]) -> str:
    """The move button that gets the focus back ("<id>-up"/"<id>-down"): the one pressed, or, once the
    criterion reached an end and that button is disabled, the other one."""
    criterion_id, _, direction = moved.partition("-")
    if not criterion_id.isdigit() or int(criterion_id) not in ids or direction not in ("up", "down"):
        return ""
    index = ids.index(int(criterion_id))
    if direction == "up" and index == 0:
        direction = "down" if len(ids) > 1 else ""
    elif direction == "down" and index == len(ids) - 1:
        direction = "up" if len(ids) > 1 else ""
    return f"{criterion_id}-{direction}" if direction else ""


def _next_order(client) -> int:
    criteria = list(criterion_list_for_editor(client=client).values_list("order", flat=True))
    return max(criteria, default=-1) + 1


def _changes(event) -> list[tuple[str, object, object]]:
    """An audit event's changed keys with their values before and after."""
    keys = list(dict.fromkeys([*event.before, *event.after]))
    return [(key, event.before.get(key, "—"), event.after.get(key, "—")) for key in keys]
