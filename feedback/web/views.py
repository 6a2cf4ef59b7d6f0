"""Pages that every member uses: home."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from feedback.selectors import QUEUE_COUNT_CAP, client_list_with_waiting


@login_required
def home(request):
    """The clients I belong to, my role in each, and how many creatives wait for me to rate."""
    clients = client_list_with_waiting(user=request.user)
    return render(request, "feedback/home.html", {"clients": clients, "count_cap": QUEUE_COUNT_CAP})
