"""The use-case detail page with a long timeline beside a bare page rendering base.html; prints a
table.

Usage: DATABASE_URL=postgres://USER@HOST:PORT/DB .venv/bin/python benchmarks/detail_times.py
       [--rounds 100] [--runs 40] [--warmup 5] [--profile] [--unprepared]

Runs with production settings in this process: DEBUG off (so templates come from the cached
loader), collected static files (collected on the way) and a throwaway secret key. The database
needs the demo organisation (``manage.py seed_demo`` with ``DJANGO_DEBUG=1``); any number of
generated use cases may sit beside it.

The first run adds one use case with a long timeline, through the services as people would make
it (later runs reuse it): ``--rounds`` rounds of an edit, a comment and a measurement, plus a
change made in the admin every fifth round: 324 entries at 100 rounds.

Requests go through Django's test client, signed in, each round requesting every row once so a
slow moment of the machine falls on all alike; the first ``--warmup`` rounds are discarded. The
bare page is a view rendering a template that only extends base.html, added by a urlconf of this
script's own (the registry's urls are untouched): the cost every page pays (middleware, session,
user, context processors, the page frame). Columns: p50, p95 and min ms of wall-clock time; CPU ms,
the p50 of this process's CPU time a request (view, templates, the ORM: what stays put when
other work shares the machine; the database server's time is not in it); queries (one more
request, counted); KB of the body; and p50 over the bare page's p50, wall and CPU. ``--profile`` prints cProfile's top
functions for the detail page instead. ``--unprepared`` adds each row's twin read with the
connection's prepared statements switched off (``core.compiled``), the two alternated request by
request (and which goes first, round by round): what they save, on a machine whose speed drifts.
"""

import argparse
import contextlib
import os
import secrets
import sys
import time
import types
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="config.settings",
    DJANGO_DEBUG="0",
    DJANGO_INSECURE_HTTP="1",
    DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    DJANGO_LOG_LEVEL="WARNING",
)
for name in ("DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS", "DJANGO_BEHIND_TLS_PROXY"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402

from benchmarks.api_times import percentile, ratio  # noqa: E402

TITLE = "Benchmark: a use case with a long timeline"
# The demo's lead and owner, a member, the reviewer and the admin.
PEOPLE = ("olivia", "paul", "rita", "adam")
BARE_PATH = "/bench/bare/"
_BARE = engines["django"].from_string('{% extends "base.html" %}')


def bare_page(request):
    """What every page pays before its own content: a template that only extends base.html."""
    return HttpResponse(_BARE.render({}, request))


def bench_urlconf() -> types.ModuleType:
    """The registry's urls plus the bare page, for this run only."""
    from config import urls

    module = types.ModuleType("bench_urls")
    module.urlpatterns = [path(BARE_PATH.strip("/") + "/", bare_page), *urls.urlpatterns]
    return module


def long_timeline_usecase(rounds: int):
    """The benchmark's use case, made on the first run through the services."""
    from usecases.models import UseCase

    found = UseCase.objects.filter(title=TITLE).order_by("-number").first()
    if found:
        return found
    start = time.perf_counter()
    usecase = _build(rounds)
    print(f"made {usecase.key} ({rounds} rounds) in {time.perf_counter() - start:.0f} s")
    return usecase


def _build(rounds: int):
    import pghistory

    from portfolio.models import StrategicGoal, Team
    from usecases import services

    users = {u.username: u for u in get_user_model().objects.filter(username__in=PEOPLE)}
    lead, member, reviewer, admin = (users[name] for name in PEOPLE)
    team = Team.objects.filter(memberships__user=lead, memberships__role="lead").first()
    usecase = services.usecase_create(
        actor=member,
        data={
            "title": TITLE,
            "who": "Claims officers in regional offices",
            "problem": "Claims wait weeks before anyone reads them.",
            "success_signal": "Median days from receipt to first decision below 10.",
            "team": team,
            "owner": lead,
            "products": list(team.products.all()[:1]),
            "goals": list(StrategicGoal.objects.order_by("pk")[:1]),
            "metric_name": "Median days to a decision",
            "metric_unit": "days",
            "metric_direction": "decrease",
            "metric_baseline": 40,
            "metric_target": 10,
        },
    )
    usecase = services.usecase_submit(usecase=usecase, actor=lead)
    usecase = services.usecase_approve(usecase=usecase, actor=reviewer)
    usecase = services.usecase_sign_off(usecase=usecase, actor=lead, accepted=True)
    today = timezone.localdate()
    for n in range(rounds):
        usecase = services.usecase_update(
            usecase=usecase,
            actor=member,
            data={"title": TITLE, "business_intent": f"Take {n}: decide claims sooner."},
            expected_version=usecase.version,
        )
        services.comment_post(usecase=usecase, actor=reviewer, body=f"Comment {n}\nsecond line")
        services.measurement_record(
            usecase=usecase, actor=lead, measured_on=today - timedelta(days=n), value=40 - n / 10
        )
        if n % 5 == 4:
            with pghistory.context(user=admin.pk, url="/admin/usecases/usecase/"):
                type(usecase).objects.filter(pk=usecase.pk).update(business_value=n // 5 % 5 + 1)
        usecase = type(usecase).objects.get(pk=usecase.pk)
    return usecase


def rows(usecase, *, unprepared: bool = False) -> list[tuple[str, str, str]]:
    """(label, user, path) of each measured row; with ``unprepared``, each followed by its twin
    read without prepared statements."""
    url = usecase.get_absolute_url()
    table = [
        ("bare page (base.html)", "olivia", BARE_PATH),
        ("detail, owner (newest 50)", "olivia", url),
        ("detail, reviewer (newest 50)", "rita", url),
        ("detail, owner, full history", "olivia", f"{url}?history=all"),
        ("timeline panel (htmx)", "olivia", f"{url}?panel=timeline"),
    ]
    if not unprepared:
        return table
    return [twin for row in table for twin in (row, (row[0] + UNPREPARED, *row[1:]))]


# A row read with the connection's prepared statements switched off, request by request.
UNPREPARED = ", not prepared"


@contextlib.contextmanager
def prepared_statements(on: bool):
    """The connection's prepared statements on or off (``config.database``: a threshold, or
    None for none) for the requests inside."""
    connection.ensure_connection()
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = threshold if on else None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


def in_round_order(table, round_number: int, *, unprepared: bool):
    """The rows of a round: with twins, each pair the other way round every other round, so
    neither of them is always the one that comes second."""
    if not unprepared or round_number % 2 == 0:
        return table
    return [row for pair in zip(table[1::2], table[::2], strict=True) for row in pair]


def clients() -> dict:
    signed_in = {}
    for user in get_user_model().objects.filter(username__in=PEOPLE):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        signed_in[user.username] = client
    return signed_in


def measure(
    table, signed_in, *, runs: int, warmup: int, unprepared: bool = False
) -> tuple[dict, dict]:
    """Wall-clock and this process's CPU milliseconds of each request, by row."""
    times = {label: [] for label, _, _ in table}
    cpu = {label: [] for label, _, _ in table}
    for round_number in range(runs + warmup):
        for label, user, url in in_round_order(table, round_number, unprepared=unprepared):
            headers = {"HX-Request": "true"} if "panel=" in url else {}
            with prepared_statements(not label.endswith(UNPREPARED)):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = signed_in[user].get(url, headers=headers)
                elapsed = (time.perf_counter() - start) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if round_number >= warmup:
                times[label].append(elapsed)
                cpu[label].append((time.process_time() - start_cpu) * 1000)
    return times, cpu


def print_table(table, signed_in, times, cpu) -> None:
    bare, bare_cpu = percentile(times[table[0][0]], 50), percentile(cpu[table[0][0]], 50)
    width = max(len(label) for label, _, _ in table)
    print(
        f"{'page':<{width}} {'p50 ms':>7} {'p95 ms':>7} {'min ms':>7} {'CPU ms':>7} {'queries':>8} "
        f"{'KB':>5} {'÷ bare':>7} {'CPU ÷ bare':>10}"
    )
    for label, user, url in table:
        headers = {"HX-Request": "true"} if "panel=" in url else {}
        with (
            prepared_statements(not label.endswith(UNPREPARED)),
            CaptureQueriesContext(connection) as queries,
        ):
            response = signed_in[user].get(url, headers=headers)
        p50, p95 = percentile(times[label], 50), percentile(times[label], 95)
        cpu50 = percentile(cpu[label], 50)
        print(
            f"{label:<{width}} {p50:>7.1f} {p95:>7.1f} {min(times[label]):>7.1f} {cpu50:>7.1f} "
            f"{len(queries):>8} {len(response.content) / 1024:>5.0f} {ratio(p50, bare):>7} "
            f"{ratio(cpu50, bare_cpu):>10}"
        )


def profile(signed_in, url: str, runs: int) -> None:
    import cProfile
    import pstats

    client = signed_in["olivia"]
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(45)
    stats.sort_stats("tottime").print_stats(25)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--unprepared",
        action="store_true",
        help="Each row also without prepared statements, alternated request by request.",
    )
    args = parser.parse_args()

    call_command("collectstatic", interactive=False, verbosity=0)
    usecase = long_timeline_usecase(args.rounds)
    from usecases.selectors import usecase_timeline

    entries = len(usecase_timeline(usecase))
    signed_in = clients()
    with override_settings(ROOT_URLCONF=bench_urlconf()):
        if args.profile:
            profile(signed_in, usecase.get_absolute_url(), args.runs)
            return
        table = rows(usecase, unprepared=args.unprepared)
        times, cpu = measure(
            table, signed_in, runs=args.runs, warmup=args.warmup, unprepared=args.unprepared
        )
        print(f"{usecase.key}: {entries} timeline entries; {args.runs} runs a row")
        print_table(table, signed_in, times, cpu)


if __name__ == "__main__":
    main()
