"""The benchmark's URL configuration and query counter (``config.settings_bench`` only): the
registry's URLs unchanged, plus ``/_bench/bare/``, a page rendering base.html and nothing else."""

import time

from django.db import connection
from django.shortcuts import render
from django.urls import include, path

from config.urls import urlpatterns as registry_urlpatterns

QUERY_COUNT_HEADER = "X-Bench-Queries"
# The standard header for the server's own time: how long the request took from this middleware
# (first of all) to the response built, without the network, gunicorn or the client.
SERVER_TIMING_HEADER = "Server-Timing"


def bare_page(request):
    """What any signed-in page costs before its own content: base.html, its context processors
    and the middleware."""
    return render(request, "bench/bare.html")


class QueryCountMiddleware:
    """Counts the database queries a request makes, in the ``X-Bench-Queries`` response header,
    and times it (``Server-Timing: app;dur=`` milliseconds)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERY_COUNT_HEADER] = str(count)
        response[SERVER_TIMING_HEADER] = f"app;dur={(time.perf_counter() - start) * 1000:.2f}"
        return response


urlpatterns = [
    path("_bench/bare/", bare_page, name="bench_bare"),
    path("", include(registry_urlpatterns)),
]
