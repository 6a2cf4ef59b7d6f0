"""URLs for the load benchmark: the real app plus a one-row-insert ceiling view."""
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def insert_one_row(request):
    """The ceiling: the least a Django view can do per request and still write one row."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ceiling (payload) VALUES (%s)", [request.body[:200].decode()])
    return HttpResponse(status=201)


urlpatterns = [path("bench/insert/", insert_one_row), path("", include("config.urls"))]
