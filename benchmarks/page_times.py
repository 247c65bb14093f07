"""Server time of the main pages at the current data size; prints a table.

Usage: DJANGO_DEBUG=1 [DATABASE_URL=...] .venv/bin/python benchmarks/page_times.py [--runs 5]
       [--seed 100000]

``--seed N`` first loads the demo organisation (if missing) and bulk-adds N generated use cases,
then analyses the tables, so one command builds the scale and measures it.

Requests go through Django's test client in-process (no network), signed in as the demo product
owner (``--user``); the reviews page as a reviewer (``--reviewer``) and the people page as an
admin (``--admin``), so the numbers are view + template + database time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from usecases.choices import Status  # noqa: E402
from usecases.models import UseCase  # noqa: E402


def deep_page_link(number: int) -> str:
    """The list's Next link that leads to page ``number`` (newest first), as a reader who paged
    there would hold it: a cursor after the last row of the page before."""
    from urllib.parse import urlencode

    from django.conf import settings

    from core.keyset import Keyset

    keyset = Keyset(UseCase.objects.order_by("-number"), sort="")
    row = keyset.queryset[(number - 1) * settings.USECASE_PAGE_SIZE - 1]
    return urlencode({"cursor": keyset.cursor(row, page=number)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="olivia")
    parser.add_argument("--reviewer", default="victor", help="who opens the reviews page")
    parser.add_argument("--admin", default="adam", help="who opens the people page")
    parser.add_argument(
        "--only",
        default="",
        help="time only the pages whose label has one of these words (comma-separated)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, metavar="N", help="bulk-add N use cases first"
    )
    args = parser.parse_args()
    if args.seed:
        from demo.bulk import bulk_add_usecases
        from demo.organisation import seed_demo

        start = time.perf_counter()
        seed_demo()
        bulk_add_usecases(count=args.seed)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"seeded {args.seed:,} use cases in {time.perf_counter() - start:.1f} s")

    pages = _pages(args)
    if args.only:
        wanted = args.only.split(",")
        pages = [page for page in pages if any(word in page[0] for word in wanted)]
    total = UseCase.objects.count()
    print(f"use cases: {total:,}; runs per page: {args.runs} (first run discarded as warm-up)")
    print(f"{'page':<32} {'status':>6} {'queries':>8} {'median ms':>10} {'max ms':>8}")
    for label, url, client in pages:
        _time_page(label, url, client, runs=args.runs)


def _pages(args) -> list:
    """(label, url, signed-in client) for every page measured."""
    user = get_user_model().objects.get(username=args.user)
    client = signed_in(args.user)
    newest = UseCase.objects.order_by("-number").first()
    team_slug = newest.team.slug
    # A draft of the user's own team: a page they may really edit.
    draft = (
        UseCase.objects.filter(status=Status.DRAFT, team__memberships__user=user)
        .order_by("-number")
        .first()
    )
    pages = [
        ("my work (home)", "/"),
        ("dashboard", "/dashboard/"),
        ("dashboard, filtered by team", f"/dashboard/?team={team_slug}"),
        ("list, attestation overdue", "/usecases/?show=overdue"),
        ("list", "/usecases/"),
        ("list, text search", "/usecases/?q=claims"),
        ("list, search + status + team", f"/usecases/?q=benefit&status=draft&team={team_slug}"),
        ("list, page 200 (by cursor)", f"/usecases/?{deep_page_link(200)}"),
        ("list, last page", "/usecases/?page=last"),
        ("list, search inside tokens", "/usecases/?q=settlor"),
        ("detail", newest.get_absolute_url()),
        *([("edit form", draft.get_absolute_url() + "edit/")] if draft else []),
        ("team", newest.team.get_absolute_url()),
        ("sign-offs", "/sign-offs/"),
    ]
    pages = [(label, url, client) for label, url in pages]
    reviewer = signed_in(args.reviewer)
    admin = signed_in(args.admin)
    return pages + [
        (f"reviews ({args.reviewer})", "/reviews/", reviewer),
        (f"my work ({args.reviewer})", "/", reviewer),
        ("people", "/administration/people/", admin),
        ("people, search", "/administration/people/?q=an", admin),
        ("people, deactivated", "/administration/people/?show=deactivated", admin),
    ]


def _time_page(label: str, url: str, client: Client, *, runs: int) -> None:
    client.get(url)
    timings = []
    for _ in range(runs):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - start) * 1000)
    print(
        f"{label:<32} {response.status_code:>6} {len(queries):>8} "
        f"{statistics.median(timings):>10.1f} {max(timings):>8.1f}"
    )


def signed_in(username: str) -> Client:
    client = Client(HTTP_HOST="localhost")
    client.force_login(get_user_model().objects.get(username=username))
    return client


if __name__ == "__main__":
    main()
