"""Pages that every member uses: home, and the client switcher of the navigation bar."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from feedback.errors import NotFound
from feedback.selectors import QUEUE_COUNT_CAP, client_list_with_waiting, client_membership_get
from feedback.web.navigation import client_links, section_url


@login_required
@require_GET
def home(request):
    """The clients I belong to, my role in each, how many creatives wait for me, and the pages I may use."""
    clients = [
        (client, role, waiting, client_links(slug=client.slug, role=role))
        for client, role, waiting in client_list_with_waiting(user=request.user)
    ]
    return render(request, "feedback/home.html", {"clients": clients, "count_cap": QUEUE_COUNT_CAP})


@login_required
@require_GET
def client_switch(request):
    """Go to another of my clients, in the same section when my role there allows it, else its first page."""
    slug = request.GET.get("client", "")[:64]
    if not slug:
        return redirect("home")  # "Switch" pressed before choosing a client
    # No slug holds a NUL, and PostgreSQL refuses one in a query: such a slug is simply not found.
    resolved = client_membership_get(user=request.user, slug=slug) if "\x00" not in slug else None
    if resolved is None:
        raise NotFound("No such client.")
    client, membership = resolved
    return redirect(section_url(slug=client.slug, role=membership.role, url_name=request.GET.get("section", "")[:64]))
