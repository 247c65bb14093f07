"""Time the bulk mode of ``seed_demo`` for N generated use cases; prints a table.

Usage: DJANGO_DEBUG=1 [DATABASE_URL=...] .venv/bin/python benchmarks/seed_scale.py [N] [--scale]

``--scale`` times the scale generator instead (``demo.scale``, ``seed_demo --scale N``): a large
organisation (created on the first run, not timed apart), N use cases with their links and
history through COPY, and the rows it wrote per table.

N defaults to 100000. The base demo is seeded first (a no-op when present) and not timed. The rows
stay in the database, so run it against a scratch database and drop that afterwards. Like
``seed_demo``, it refuses to run without DEBUG: the demo users share a published password.
Generated rows skip the workflow (see ``demo.bulk.bulk_add_usecases``).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from demo.bulk import bulk_add_usecases  # noqa: E402
from demo.organisation import seed_demo  # noqa: E402
from demo.scale import seed_scale  # noqa: E402
from usecases.models import UseCase  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=100_000, metavar="N")
    parser.add_argument("--scale", action="store_true", help="Time the scale generator.")
    args = parser.parse_args()
    if not settings.DEBUG:
        sys.exit(
            "Refusing to seed demo users with DEBUG off: set DJANGO_DEBUG=1 (a scratch database)."
        )

    if not args.scale:
        seed_demo()
    before = UseCase.objects.count()
    start = time.perf_counter()
    report = seed_scale(count=args.count) if args.scale else bulk_add_usecases(count=args.count)
    seconds = time.perf_counter() - start
    added = UseCase.objects.count() - before
    # ru_maxrss is in kilobytes on Linux.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"{'rows added':>12} {'seconds':>9} {'rows/s':>9} {'peak RSS MB':>12}")
    print(f"{added:>12,} {seconds:>9.1f} {added / seconds:>9,.0f} {peak_mb:>12.0f}")
    if args.scale:
        rows = sum(report.rows.values())
        print(f"\n{'table':<32} {'rows':>12}")
        for table, count in report.rows.items():
            print(f"{table:<32} {count:>12,}")
        print(f"{'all rows':<32} {rows:>12,}  ({rows / seconds:,.0f} rows/s)")


if __name__ == "__main__":
    main()
