"""Pages that every member uses: home, and images served only to members of their client."""
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from feedback.models import Creative
from feedback.selectors import QUEUE_COUNT_CAP, client_list_for_user, queue_waiting_count
from feedback.web.access import client_for_page


@login_required
def home(request):
    """The clients I belong to, my role in each, and how many creatives wait for me to rate."""
    clients = client_list_for_user(user=request.user)
    for client, _ in clients:
        client.waiting_for_me = queue_waiting_count(client=client, rater=request.user)
    return render(request, "feedback/home.html", {"clients": clients, "count_cap": QUEUE_COUNT_CAP})


@login_required
@require_GET
def creative_file(request, client_slug: str, creative_id: int, variant: str):
    """Stream a creative's image or thumbnail after checking the caller belongs to its client."""
    client, _ = client_for_page(user=request.user, slug=client_slug)
    creative = get_object_or_404(Creative.objects.only("image", "thumbnail"), client=client, id=creative_id)
    field = creative.thumbnail if variant == "thumbnail" else creative.image
    if not field:
        raise Http404("No such file.")
    response = FileResponse(field.open("rb"))
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
