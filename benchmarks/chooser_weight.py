"""The size of every page that holds a person, team, product or goal chooser, as the numbers of
people, teams, products and goals grow; prints a table (KB, queries, ms per page).

Usage: DJANGO_DEBUG=1 DATABASE_URL=... .venv/bin/python benchmarks/chooser_weight.py
       [--sizes 0,1000,3000] [--ratio 10]

Loads the demo organisation (if missing), then for each size tops the database up to that many
extra people and a tenth as many (``--ratio``) extra teams, products and goals, and fetches each
page through Django's test client in-process, as the demo person who sees its chooser. Run it on
a database of its own: the rows it adds stay.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from portfolio.models import Product, StrategicGoal, Team  # noqa: E402
from usecases.choices import Status  # noqa: E402
from usecases.models import UseCase  # noqa: E402

User = get_user_model()
PREFIX = "bench"


def top_up(model, count: int, make) -> None:
    """Add rows named ``bench…`` until there are ``count`` of them."""
    field = "username" if model is User else "title" if model is StrategicGoal else "slug"
    have = model.objects.filter(**{f"{field}__startswith": PREFIX}).count()
    model.objects.bulk_create([make(n) for n in range(have, count)], batch_size=2000)


def grow(people: int, others: int) -> None:
    top_up(
        User, people, lambda n: User(username=f"{PREFIX}{n}", first_name="Bench", last_name=f"{n}")
    )
    top_up(Team, others, lambda n: Team(name=f"Bench team {n}", slug=f"{PREFIX}-team-{n}"))
    team = Team.objects.get(slug="claims-processing")
    top_up(
        Product,
        others,
        lambda n: Product(name=f"Bench product {n}", slug=f"{PREFIX}-product-{n}", team=team),
    )
    top_up(StrategicGoal, others, lambda n: StrategicGoal(title=f"{PREFIX} goal {n}"))


def pages() -> list[tuple[str, str, str]]:
    """(page, who, URL) of every page with a chooser."""
    ours = UseCase.objects.filter(team__slug="claims-processing")
    active = ours.filter(status=Status.ACTIVE).order_by("number").first()
    draft = ours.filter(status=Status.DRAFT).order_by("number").first()
    paul = User.objects.get(username="paul")
    return [
        ("new use case (admin)", "adam", "/usecases/new/"),
        ("edit a draft", "olivia", f"/usecases/{draft.key}/edit/"),
        ("list: filters, bulk assign", "olivia", "/usecases/"),
        ("detail: transfer", "olivia", f"/usecases/{active.key}/"),
        ("dashboard filters", "rita", "/dashboard/"),
        ("deactivation", "adam", f"/administration/people/{paul.pk}/deactivate/"),
        ("product edit", "adam", "/administration/products/claimflow/edit/"),
    ]


def measure(client_for, size: int) -> list[tuple]:
    rows = []
    for page, who, url in pages():
        client = client_for(who)
        client.get(url)  # warm
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        took = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (url, response.status_code)
        rows.append((size, page, len(response.content) / 1024, len(queries), took))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000,3000")
    parser.add_argument("--ratio", type=int, default=10)
    args = parser.parse_args()
    from demo.bulk import bulk_add_usecases
    from demo.organisation import seed_demo

    seed_demo()
    if UseCase.objects.count() < 200:
        bulk_add_usecases(count=200)
    clients = {}

    def client_for(username):
        if username not in clients:
            clients[username] = Client(HTTP_HOST="localhost")
            clients[username].force_login(User.objects.get(username=username))
        return clients[username]

    rows = []
    for size in (int(size) for size in args.sizes.split(",")):
        grow(size, size // args.ratio)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        rows += measure(client_for, size)
    print(f"{'extra people':>12}  {'page':<28} {'KB':>8} {'queries':>8} {'ms':>8}")
    for size, page, kb, queries, took in rows:
        print(f"{size:>12,}  {page:<28} {kb:>8.1f} {queries:>8} {took:>8.1f}")


if __name__ == "__main__":
    main()
