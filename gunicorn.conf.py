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
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
# A request still running after this long is stuck: the worker is replaced.
timeout = 60
graceful_timeout = 30
# The registry's own log settings (DJANGO_LOG_LEVEL) apply; gunicorn logs errors to stderr.
accesslog = None
