"""Pages that every member uses: home."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from feedback.selectors import QUEUE_COUNT_CAP, client_list_for_user, queue_waiting_count


@login_required
def home(request):
    """The clients I belong to, my role in each, and how many creatives wait for me to rate."""
    clients = client_list_for_user(user=request.user)
    for client, _ in clients:
        client.waiting_for_me = queue_waiting_count(client=client, rater=request.user)
    return render(request, "feedback/home.html", {"clients": clients, "count_cap": QUEUE_COUNT_CAP})
