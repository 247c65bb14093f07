"""Settings for ``benchmarks/scale_pages.py`` only: the production settings, plus a bare page and
a count of each response's queries. Nothing in production imports this module (a test checks it);
the benchmark starts gunicorn with ``DJANGO_SETTINGS_MODULE=config.settings_bench``."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

# The benchmark's URLs: the registry's own, and ``/_bench/bare/`` (base.html and nothing else),
# the yardstick the detail page is compared with.
ROOT_URLCONF = "config.bench"
# First, so it counts the queries of every other middleware too (session, user, axes).
MIDDLEWARE = ["config.bench.QueryCountMiddleware", *MIDDLEWARE]
