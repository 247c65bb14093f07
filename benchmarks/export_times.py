"""Time, queries and peak memory of each export at the current data size; prints a table.

Usage: DJANGO_DEBUG=1 [DATABASE_URL=...] .venv/bin/python benchmarks/export_times.py
       [--seed 20000] [--formats csv,json,xlsx,us-2025]

``--seed N`` first loads the demo organisation (if missing) and bulk-adds N generated use cases.
Each export runs through Django's test client in-process, signed in as the demo product owner,
reading the streamed body to its end. Peak memory is what Python allocated during the export
(tracemalloc): it grows with the first chunk (500 use cases held at once, with their products
and goals) and stays flat after, which is what streaming promises; run it at two sizes.
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from usecases.models import UseCase  # noqa: E402


def _export(client, fmt: str) -> int:
    response = client.get(f"/exports/usecases/{fmt}/")
    assert response.status_code == 200, response.status_code
    size = sum(len(chunk) for chunk in response)
    response.close()
    return size


def measure(client, fmt: str) -> tuple[int, float, int, float]:
    """(bytes, seconds, queries, peak MiB) of one export: timed in one run, its memory traced in
    a second (tracing slows Python down several times)."""
    queries = []

    def count(execute, sql, params, many, context):
        # Counted as they run: a request clears the connection's own query log when it starts.
        queries.append(sql)
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        size = _export(client, fmt)
    seconds = time.perf_counter() - start
    tracemalloc.start()
    _export(client, fmt)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return size, seconds, len(queries), peak


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user", default="olivia")
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument("--formats", default="csv,json,xlsx,us-2025,nl,uk")
    args = parser.parse_args()
    if args.seed:
        from demo.bulk import bulk_add_usecases
        from demo.organisation import seed_demo

        seed_demo()
        bulk_add_usecases(count=args.seed)
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=args.user))
    rows = UseCase.objects.count()
    print(f"{rows:,} use cases")
    print(
        f"{'format':<8} {'MiB out':>8} {'seconds':>8} {'rows/s':>9} {'queries':>8} {'peak MiB':>9}"
    )
    for fmt in args.formats.split(","):
        size, seconds, queries, peak = measure(client, fmt)
        print(
            f"{fmt:<8} {size / 2**20:>8.1f} {seconds:>8.2f} {rows / seconds:>9,.0f} "
            f"{queries:>8} {peak:>9.1f}"
        )


if __name__ == "__main__":
    main()
