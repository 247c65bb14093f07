"""The use-case list and detail through the API beside the same pages in HTML; prints a table.

Usage: DATABASE_URL=postgres://USER@HOST:PORT/ANY .venv/bin/python benchmarks/api_times.py
       [--usecases 20000] [--database registry_bench_api] [--rounds 50] [--warmup 3]
       [--workers 1] [--key UC-1042] [--drop]

Works in a database of its own on the server DATABASE_URL names: ``--database`` is created and
migrated if missing, the demo organisation seeded into it, and generated use cases bulk-added
(``demo.bulk``) until it holds ``--usecases`` in all. It is kept afterwards, so a second run at the
same size reuses it and a run at a larger size only adds the difference (``--drop`` drops it at
the end).

The registry is served as in production: gunicorn (``--workers`` sync workers) with DEBUG off,
collected static files and a fresh secret key, on a free port of 127.0.0.1 (the token rate limit
is raised so the benchmark is never throttled). The demo product owner (``olivia``) reads the
pages signed in (a session cookie) and the API with a read token of her own, made for the run
and revoked after it. Each round requests every row once, in a shuffled order, so a slow moment
of the machine falls on all rows alike; the first ``--warmup`` rounds are discarded. Times are the
client's, from connecting to the last byte of the body.

Columns: p50 and p95 ms; queries, counted in this process on one more request of each row through
Django's test client (same settings, same session and token; the token's last-used update, made
at most once a minute, is not in it); KB, the body's size (no compression); the API row's p50
time and size over its HTML page's. The list page shows 25 use cases a page; the API list is
measured at its default ``limit=50`` and at 25, the page's size.
"""

import argparse
import http.client
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchmarks.scratch import ensure, recreate, server_url  # noqa: E402

HOST = "127.0.0.1"


@dataclass
class Row:
    label: str
    path: str
    api: bool
    # The label of the HTML row an API row is compared with.
    beside: str = ""
    times: list[float] = field(default_factory=list)
    status: int = 0
    size: int = 0
    queries: int = 0


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with ``pct`` per cent of them at or
    below it (p50 of an even count is the lower middle one)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)), 1) - 1]


def ratio(api: float, html: float) -> str:
    """``api`` over ``html`` as a table cell: ``0.42x``, or ``-`` when there is nothing to divide."""
    return f"{api / html:.2f}x" if html else "-"


def production_environment(database: str) -> dict[str, str]:
    """Production settings on this machine: DEBUG off, plain HTTP on local hosts only."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS",
                       "DJANGO_BEHIND_TLS_PROXY", "DJANGO_SECURE_SSL_REDIRECT"}
    }  # fmt: skip
    env.update(
        DATABASE_URL=server_url(database),
        DJANGO_DEBUG="0",
        DJANGO_INSECURE_HTTP="1",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_LOG_LEVEL="WARNING",
        REGISTRY_API_RATE="1000000",
    )
    return env


def prepare(count: int) -> None:
    """Migrate, seed the demo and bulk-add use cases until there are ``count``; collect static."""
    from django.core.management import call_command
    from django.db import connection

    from demo.bulk import bulk_add_usecases
    from demo.organisation import seed_demo
    from usecases.models import UseCase

    call_command("migrate", verbosity=0)
    seed_demo()
    missing = count - UseCase.objects.count()
    if missing > 0:
        start = time.perf_counter()
        bulk_add_usecases(count=missing)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"added {missing:,} generated use cases in {time.perf_counter() - start:.0f} s")
    call_command("collectstatic", interactive=False, verbosity=0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# The headers ``config.bench`` adds under ``config.settings_bench`` (not imported: that module
# needs Django set up): each response's query count, and the server's own time.
QUERY_HEADER = "X-Bench-Queries"
SERVER_TIMING_HEADER = "Server-Timing"
_SERVER_TIME = re.compile(r"\bapp;dur=([\d.]+)")


class Fetched(NamedTuple):
    ms: float  # as the client sees it, from the request sent to the body read
    status: int
    body: bytes
    queries: str  # the query count, or "-"
    server_ms: float | None  # the server's own time (``Server-Timing``), if it said


def fetch(port: int, path: str, headers: dict[str, str]) -> Fetched:
    """One GET on a new connection, as a client sees it. The query count and the server's own
    time are there when the server runs the benchmark settings."""
    connection = http.client.HTTPConnection(HOST, port, timeout=300)
    try:
        start = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - start) * 1000
        timing = _SERVER_TIME.search(response.getheader(SERVER_TIMING_HEADER, ""))
        return Fetched(
            elapsed,
            response.status,
            body,
            response.getheader(QUERY_HEADER, "-"),
            float(timing.group(1)) if timing else None,
        )
    finally:
        connection.close()


def serve(env: dict[str, str], workers: int, log) -> tuple[subprocess.Popen, int]:
    """gunicorn on a free port, once it answers."""
    port = free_port()
    # Sync workers as before gunicorn.conf.py (which gunicorn reads from this folder) chose threads.
    command = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--worker-class",
               "sync", "--workers", str(workers), "config.wsgi"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if fetch(port, "/api/v1/openapi.json", {})[1] == 200:
                return server, port
        except OSError:
            time.sleep(0.2)
    server.terminate()
    log.seek(0)
    sys.exit(f"gunicorn did not start:\n{log.read().decode(errors='replace')[-3000:]}")


def rows_for(usecase) -> list[Row]:
    detail = usecase.get_absolute_url()
    return [
        Row("list page, HTML (25 a page)", "/usecases/", api=False),
        Row("API list, limit=50", "/api/v1/usecases?limit=50", api=True, beside="list"),
        Row("API list, limit=25", "/api/v1/usecases?limit=25", api=True, beside="list"),
        Row(f"detail page, HTML ({usecase.key})", detail, api=False),
        Row(
            f"API detail ({usecase.key})",
            f"/api/v1/usecases/{usecase.key}",
            api=True,
            beside="detail",
        ),  # fmt: skip
    ]


def count_queries(rows: list[Row], page_client, token: str) -> None:
    """Each row's queries on one request in this process, through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    api_client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    for row in rows:
        client = api_client if row.api else page_client
        client.get(row.path)  # the token's last-used mark, the session's first read
        with CaptureQueriesContext(connection) as queries:
            response = client.get(row.path)
        assert response.status_code == 200, (row.path, response.status_code)
        row.queries = len(queries)


def measure(rows: list[Row], port: int, headers: dict[bool, dict], rounds: int, warmup: int):
    shuffler = random.Random(2026)
    for round_number in range(warmup + rounds):
        order = rows[:]
        shuffler.shuffle(order)
        for row in order:
            ms, row.status, body, *_ = fetch(port, row.path, headers[row.api])
            row.size = len(body)
            if round_number >= warmup:
                row.times.append(ms)


def report(rows: list[Row]) -> None:
    line = "{:<36} {:>6} {:>7} {:>7} {:>8} {:>7} {:>11} {:>11}"
    print(line.format("request", "status", "p50 ms", "p95 ms", "queries", "KB",
                      "API/HTML ms", "API/HTML KB"))  # fmt: skip
    html = {}
    for row in rows:
        p50 = percentile(row.times, 50)
        if not row.api:
            html[row.label.split()[0]] = (p50, row.size)
        page_p50, page_size = html.get(row.beside, (0, 0))
        print(line.format(row.label, row.status, f"{p50:.1f}", f"{percentile(row.times, 95):.1f}",
                          row.queries, f"{row.size / 1024:.1f}",
                          ratio(p50, page_p50) if row.api else "",
                          ratio(row.size, page_size) if row.api else ""))  # fmt: skip


def benchmark(rows: list[Row], user, token: str, env: dict[str, str], options) -> list[Row]:
    """Queries counted in this process, then times and sizes through gunicorn."""
    from django.test import Client

    page_client = Client(HTTP_HOST="localhost")
    page_client.force_login(user, backend="portfolio.auth.RegistryBackend")
    count_queries(rows, page_client, token)
    session = page_client.cookies["sessionid"].value
    headers = {
        False: {"Host": "localhost", "Cookie": f"sessionid={session}"},
        True: {"Host": "localhost", "Authorization": f"Bearer {token}"},
    }
    with tempfile.TemporaryFile() as log:
        server, port = serve(env, options.workers, log)
        try:
            measure(rows, port, headers, options.rounds, options.warmup)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--usecases", type=int, default=20_000, metavar="N")
    parser.add_argument("--database", default="registry_bench_api")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--user", default="olivia")
    parser.add_argument("--key", default="", help="The detail pages' use case (default: newest).")
    parser.add_argument("--drop", action="store_true", help="Drop the database afterwards.")
    options = parser.parse_args()
    if ensure(options.database):
        print(f"created database {options.database}")
    env = production_environment(options.database)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from api import tokens
    from usecases.models import UseCase

    prepare(options.usecases)
    user = get_user_model().objects.get(username=options.user)
    usecases = UseCase.objects.order_by("-number")
    usecase = usecases.by_key(options.key).get() if options.key else usecases.first()
    token, secret = tokens.create(user, name="benchmarks/api_times.py", scope="read")
    try:
        load = os.getloadavg()[0]
        rows = benchmark(rows_for(usecase), user, secret, env, options)
        print(f"{UseCase.objects.count():,} use cases; gunicorn, {options.workers} sync "
              f"worker(s), production settings (DEBUG off); {options.rounds} interleaved "
              f"rounds after {options.warmup} warm-up; signed in as {options.user}; "
              f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
              f"({os.cpu_count()} CPUs)")  # fmt: skip
        report(rows)
    finally:
        tokens.revoke(user, token.pk)
        from django.db import connections

        connections.close_all()
        if options.drop:
            recreate(options.database, drop_only=True)


if __name__ == "__main__":
    main()
