"""gunicorn's settings for the registry, read by ``gunicorn config.wsgi`` started in this folder
(the README's production command). Each one can be changed without editing this file:
``WEB_CONCURRENCY`` (workers), ``GUNICORN_THREADS`` and ``GUNICORN_BIND``; a command-line flag
overrides both.

Why these (measured with ``benchmarks/scale_pages.py --throughput``; README, "Production"):
- Workers: a page is mostly Python (rendering) and PostgreSQL time on this machine, so a worker
  per core keeps the CPUs busy only while no request waits on the database; 2 × cores + 1, the
  usual rule, lets one worker compute while another waits. gunicorn's default (1) used one core.
- Threads (``gthread``): each worker also serves a few requests at once, so a slow client or a
  long export does not hold a whole process, and keep-alive connections are kept (the sync worker
  closes every connection). Each thread holds its own persistent database connection
  (``CONN_MAX_AGE``), so workers × threads must stay under PostgreSQL's ``max_connections``.
- ``max_requests`` (with jitter) restarts a worker now and then, so a slow leak cannot grow.
- ``post_worker_init`` freezes what a worker loaded at start (Django, the apps, the URLconf and
  every view module): those objects live as long as the worker, and Python's garbage collector
  scanned them all again at each full collection. Measured in-process at 1M use cases: garbage
  collection took 13.5 ms of a dashboard request's 58 ms CPU and 5.1 of the list's 29; frozen,
  4.4 and 0.8. It also collects the youngest objects after 10,000 allocations instead of 700:
  a dashboard request makes tens of thousands of short-lived objects, nearly all freed as soon
  as they are dropped, and was collected 16 times a request (4.4 ms); now about once
  (2.3–2.7 ms), the list 2.4 times (0.65 ms) and now 0.1 (0.4 ms). The older generations are
  collected at their usual ratios (10 and 10) to the youngest.
"""

import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# The longest request line gunicorn takes (its default is 4,094 bytes): a chooser's search sends
# the boxes ticked so far with it (``usecases.views.choosers``), about 16 bytes each, so some 500
# of them, not 250, still search.
limit_request_line = 8190
# A request still running after this long is stuck: the worker is replaced.
timeout = 60
graceful_timeout = 30
# The registry's own log settings (DJANGO_LOG_LEVEL) apply; gunicorn logs errors to stderr.
accesslog = None


def post_worker_init(worker):
    """The worker has loaded the application: load the URLconf (and with it every view module)
    now rather than at the first request, then move everything loaded so far out of the garbage
    collector's sight (``gc.freeze``); only what requests allocate is scanned from then on."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - read for its import
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
