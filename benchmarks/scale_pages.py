"""Every main page at scale through gunicorn, beside the Django admin and a bare page; prints a
table (and, with ``--throughput``, requests per second).

Usage: DATABASE_URL=postgres://USER@HOST:PORT/DB .venv/bin/python benchmarks/scale_pages.py
       [--seed N] [--rounds 20] [--warmup 10] [--throughput] [--clients 20] [--seconds 15]
       [--gunicorn "ARGS"] [--pages dashboard,list]

Measures the database DATABASE_URL names as it is; ``--seed N`` first adds generated use cases
(``demo.scale``: a large organisation, links and history) until it holds N. Seeding writes demo
people with the published demo password: only ever on a throwaway database.

The registry is served as the README's production command serves it: ``gunicorn config.wsgi``
from the project folder (so ``gunicorn.conf.py`` applies; ``--gunicorn`` adds or overrides
arguments, e.g. ``--gunicorn="-c /dev/null"`` for gunicorn's defaults), DEBUG off, a fresh secret
key, on a free local port, with ``config.settings_bench``: the production settings plus
``/_bench/bare/`` (a page rendering only base.html) and headers with each response's query count
and the server's own time. Production URLs are untouched.

Signed in (sessions made in this process) as the lead of the team owning the use case with the
longest timeline, as a reviewer for the Reviews page, and as the scale admin (a superuser) for
the admin changelist and administration/people. Rounds go over every page in turn, so load
drift falls on all alike; the first ``--warmup`` rounds are discarded. Each request comes on a
new connection, which any of gunicorn's workers (five on two cores) may take, and a worker's first
request of a page fills that worker's caches (the compiled templates and SQL, the reversed URLs):
after two rounds many workers had not yet seen a page, and their first requests made its p95 (the
detail page's: 70.8 ms after two warm-up rounds, 32.3 ms after fifteen, in one stop's runs); ten
make it likely, not certain, that every worker has; a server in use has long served each page on
each worker. Each worker's connections to PostgreSQL (one a thread) also plan a prepared statement
for its values on its first five runs before keeping one plan for all (the server's
``plan_cache_mode`` ``auto``), up to 1.5 ms a statement; the detail page's reads, sent together
(``core.compiled.read_ahead``), run on that one plan from the first, other pages' statements do
not yet: after ten rounds some connections are still planning them. ``p50``/``p95`` are the client's times, from connecting to the last byte; ``srv`` the
server's own (``Server-Timing``: from its first middleware to the response built, without the
network, gunicorn and the client's reading). Ratios (client times): list / admin changelist,
detail / bare page.

``--pages``: only the pages whose label starts with one of these words (comma-separated), with
the admin changelist and the bare page beside them for the ratios.

``--throughput``: then ``--clients`` concurrent keep-alive clients for ``--seconds`` each on the
list and on the detail page (``wrk`` when installed, else Python threads), requests per second.

After the rounds, and after the throughput runs, the resident memory of gunicorn's master and of
each worker (read from /proc).
"""

import argparse
import http.client
import math
import os
import re
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.api_times import fetch, free_port, percentile  # noqa: E402

HOST = "127.0.0.1"


@dataclass
class Page:
    label: str
    path: str
    session: str  # which signed-in person reads it: "lead", "reviewer" or "admin"
    times: list[float] = field(default_factory=list)
    server_times: list[float] = field(default_factory=list)  # the server's own (Server-Timing)
    status: int = 0
    size: int = 0
    queries: str = "-"


def production_environment() -> dict[str, str]:
    """Production settings on this machine (DEBUG off, plain HTTP on local hosts), plus the
    benchmark's URL and query counter."""
    drop = {"DJANGO_ALLOWED_HOSTS", "DJANGO_CSRF_TRUSTED_ORIGINS", "DJANGO_BEHIND_TLS_PROXY",
            "DJANGO_SECURE_SSL_REDIRECT"}  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key not in drop}
    if not env.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL to the database to measure.")
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_bench",
        DJANGO_DEBUG="0",
        DJANGO_INSECURE_HTTP="1",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def prepare(seed: int) -> None:
    """Seed up to ``seed`` use cases (if asked), analyse, collect static files."""
    from django.core.management import call_command

    from demo.scale import seed_scale
    from usecases.models import UseCase

    missing = seed - UseCase.objects.count()
    if seed and missing > 0:
        start = time.perf_counter()
        seed_scale(count=missing)
        print(f"seeded {missing:,} use cases in {time.perf_counter() - start:.0f} s")
    call_command("collectstatic", interactive=False, verbosity=0)


def _filters_of(usecase) -> list[tuple[str, str]]:
    """The dashboard filters of ``usecase``'s first product and first goal (with its
    sub-goals), where it has them; of the product most use cases run on; and of the top goal
    above that goal, with its sub-goals (a leader's widest choice: much of the registry) and
    linked directly."""
    product = usecase.products.order_by("pk").first()
    goal = usecase.goals.order_by("pk").first()
    top, seen = goal, set()
    while top is not None and top.parent is not None and top.pk not in seen:
        seen.add(top.pk)  # parents in a loop (raw data only): stop where it comes round
        top = top.parent
    largest = _largest_product()
    return [
        *([("product", product.slug)] if product else []),
        *([("product", largest.slug)] if largest and largest != product else []),
        *([("goal", f"{goal.pk}&subgoals=on")] if goal else []),
        *([("goal", f"{top.pk}&subgoals=on"), ("goal", str(top.pk))] if top != goal else []),
    ]


def _largest_product():
    """The product the most use cases run on (a leader's widest product filter), or None."""
    from django.db.models import Count

    from portfolio.models import Product

    return Product.objects.annotate(n=Count("usecases")).order_by("-n", "pk").first()


def _dashboard_label(name: str, value: str) -> str:
    """The table's label of a dashboard filtered by ``name``: a goal's or product's says
    which."""
    if name != "goal":
        return f"dashboard ?{name}={value}"
    return (
        f"dashboard ?goal={value.partition('&')[0]}{' +sub-goals' if 'subgoals' in value else ''}"
    )


def people_and_pages() -> tuple[dict[str, object], list[Page]]:
    """Who reads the pages, and the pages (the lead's, with their ids filled in)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from demo.scale_org import SCALE_ADMIN_USERNAME
    from portfolio.choices import REVIEWERS_GROUP
    from portfolio.models import Membership
    from usecases.choices import EDITABLE_STATUSES
    from usecases.models import UseCase

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT usecase_id FROM usecases_usecaseevent GROUP BY usecase_id "
            "ORDER BY count(*) DESC, usecase_id LIMIT 1"
        )
        longest = UseCase.objects.get(pk=cursor.fetchone()[0])
    users = get_user_model().objects
    lead = Membership.objects.filter(team=longest.team_id, role="lead").first()
    lead = lead.user if lead else longest.author
    editable = (
        UseCase.objects.filter(team=longest.team_id, status__in=EDITABLE_STATUSES)
        .order_by("-number")
        .first()
    ) or longest
    team = longest.team
    unit = team.parent.parent if team.parent and team.parent.parent else (team.parent or team)
    people = {
        "lead": lead,
        "reviewer": users.filter(groups__name=REVIEWERS_GROUP, is_active=True).order_by("pk")[0],
        "admin": users.get(username=SCALE_ADMIN_USERNAME),
    }
    pages = [
        Page("dashboard", "/dashboard/", "lead"),
        # The filter takes a slug (an id is refused, and the page is the whole organisation's).
        Page("dashboard ?team=", f"/dashboard/?team={longest.team.slug}", "lead"),
        Page("dashboard ?team=unit", f"/dashboard/?team={unit.slug}", "lead"),
        # Filtered by a product or a goal with its sub-goals: read from the product's or goal's
        # own count tables; a goal linked directly: counted from the summary's facts of the use
        # cases it selects (its cost follows how many those are).
        *(
            Page(_dashboard_label(name, value), f"/dashboard/?{name}={value}", "lead")
            for name, value in _filters_of(longest)
        ),
        Page("list", "/usecases/", "lead"),
        Page("list, last page", "", "lead"),  # filled in once the list is read
        Page("list ?q=claims", "/usecases/?q=claims", "lead"),
        Page("my work", "/", "lead"),
        Page("reviews", "/reviews/", "reviewer"),
        Page("reviews, last page", "", "reviewer"),  # filled in once the queue is read
        Page("sign-offs", "/sign-offs/", "lead"),
        Page("administration/people", "/administration/people/", "admin"),
        Page(f"detail, long timeline ({longest.key})", longest.get_absolute_url(), "lead"),
        Page(f"edit form ({editable.key})", f"{editable.get_absolute_url()}edit/", "lead"),
        Page("admin changelist", "/admin/usecases/usecase/", "admin"),
        Page("bare page (base.html)", "/_bench/bare/", "lead"),
    ]
    return people, pages


def sessions(people: dict[str, object]) -> dict[str, dict[str, str]]:
    """A request header set per person: a session made here, in the database gunicorn reads."""
    from django.test import Client

    headers = {}
    for name, user in people.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="portfolio.auth.RegistryBackend")
        cookie = client.cookies["sessionid"].value
        headers[name] = {"Host": "localhost", "Cookie": f"sessionid={cookie}"}
    return headers


def serve(env: dict[str, str], extra: list[str], log) -> tuple[subprocess.Popen, int]:
    """``gunicorn config.wsgi`` (the README's command) on a free port, once it answers."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), *extra,
               "--bind", f"{HOST}:{port}", "config.wsgi"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and server.poll() is None:
        try:
            fetch(port, "/accounts/login/", {"Host": "localhost"})
            return server, port
        except OSError:
            time.sleep(0.3)
    server.terminate()
    log.seek(0)
    sys.exit(f"gunicorn did not start:\n{log.read().decode(errors='replace')[-3000:]}")


def last_page_path(port: int, headers: dict[str, str], path: str, rows) -> str:
    """The "last" link of the list at ``path`` when it has one (keyset pagination), else
    ``?page=N``, the last of ``rows()`` rows."""
    from django.conf import settings

    body = fetch(port, path, headers)[2].decode(errors="replace")
    found = re.search(r'<a[^>]*href="([^"]+)"[^>]*rel="last"|<a[^>]*rel="last"[^>]*href="([^"]+)"',
                      body)  # fmt: skip
    if found:
        href = (found.group(1) or found.group(2)).replace("&amp;", "&")
        return href if href.startswith("/") else f"{path}{href}"
    return f"{path}?page={max(1, math.ceil(rows() / settings.USECASE_PAGE_SIZE))}"


def fill_last_pages(pages: list[Page], port: int, headers: dict, people: dict) -> None:
    """The list's and the review queue's last pages, read from their first pages' links."""
    from usecases.models import UseCase
    from usecases.selectors import reviews_waiting_for

    by_label = {page.label: page for page in pages}  # those measured (``--pages``)
    if "list, last page" in by_label:
        by_label["list, last page"].path = last_page_path(
            port, headers["lead"], "/usecases/", UseCase.objects.count
        )
    if "reviews, last page" in by_label:
        by_label["reviews, last page"].path = last_page_path(
            port, headers["reviewer"], "/reviews/", reviews_waiting_for(people["reviewer"]).count
        )


def measure(pages: list[Page], port: int, headers: dict, rounds: int, warmup: int) -> None:
    """Round-robin: every page once per round, in the same order."""
    for round_number in range(warmup + rounds):
        for page in pages:
            fetched = fetch(port, page.path, headers[page.session])
            page.status, page.queries, page.size = (
                fetched.status,
                fetched.queries,
                len(fetched.body),
            )
            if round_number >= warmup:
                page.times.append(fetched.ms)
                if fetched.server_ms is not None:
                    page.server_times.append(fetched.server_ms)


def report(pages: list[Page]) -> None:
    """The table: as the client sees each page (p50, p95), and the server's own time (``srv``:
    from the first middleware to the response built, without the network and gunicorn)."""
    line = "{:<40} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}"
    print(line.format("page", "status", "p50 ms", "p95 ms", "srv p50", "srv p95", "queries", "KB",
                      "ratio"))  # fmt: skip
    p50 = {page.label: percentile(page.times, 50) for page in pages}
    admin, bare = p50.get("admin changelist"), p50.get("bare page (base.html)")
    for page in pages:
        ratio = ""
        if page.label == "list" and admin:
            ratio = f"{p50['list'] / admin:.2f}x adm"
        elif page.label.startswith("detail") and bare:
            ratio = f"{p50[page.label] / bare:.1f}x bare"
        server = [f"{percentile(page.server_times, q):.1f}" if page.server_times else "-"
                  for q in (50, 95)]  # fmt: skip
        print(line.format(page.label[:40], page.status, f"{p50[page.label]:.1f}",
                          f"{percentile(page.times, 95):.1f}", *server, page.queries,
                          f"{page.size / 1024:.1f}", ratio))  # fmt: skip


def _rss_mb(pid: int | str) -> float | None:
    """A process's resident memory (``VmRSS``) in MB, from /proc (Linux); None where unreadable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def worker_memory(master: int) -> str:
    """The resident memory of gunicorn's master and of each of its workers (the processes whose
    parent it is), as a line of the report."""
    workers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = re.search(r"^PPid:\s+(\d+)", (entry / "status").read_text(), re.M)
            except OSError:
                continue
            if parent and int(parent.group(1)) == master:
                workers.append(_rss_mb(entry.name))
    sizes = sorted(size for size in workers if size is not None)
    if not sizes:
        return "worker memory: not readable here"
    return (f"{len(sizes)} workers, resident {sizes[0]:.0f}-{sizes[-1]:.0f} MB each "
            f"({sum(sizes):.0f} MB in all); master {_rss_mb(master) or 0:.0f} MB")  # fmt: skip


def throughput(port: int, path: str, headers: dict[str, str], clients: int, seconds: int) -> str:
    """Requests per second on ``path`` with ``clients`` keep-alive clients (wrk if installed)."""
    if shutil.which("wrk"):
        command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--timeout", "60s"]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, f"http://{HOST}:{port}{path}"], capture_output=True,
                                text=True, check=True).stdout  # fmt: skip
        rate = re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        return f"{float(rate):.1f} req/s (wrk){f', {errors.group(1)} non-2xx' if errors else ''}"
    return f"{_threaded_rate(port, path, headers, clients, seconds):.1f} req/s (threads)"


def _threaded_rate(port, path, headers, clients, seconds) -> float:
    done, stop = [0] * clients, time.monotonic() + seconds

    def client(index):
        connection = http.client.HTTPConnection(HOST, port, timeout=300)
        while time.monotonic() < stop:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / seconds


def report_throughput(by_label: dict, port: int, headers: dict[str, str], options) -> None:
    """Requests per second on the list and on the detail page, each starting on an idle server."""
    pages = [
        by_label["list"],
        next(page for label, page in by_label.items() if label.startswith("detail")),
    ]
    for page in pages:
        # Answered only once the requests wrk left queued are done.
        fetch(port, "/_bench/bare/", headers)
        rate = throughput(port, page.path, headers, options.clients, options.seconds)
        print(f"throughput {page.label}: {rate}, {options.clients} clients, {options.seconds} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, metavar="N")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--gunicorn", default="", help='Extra gunicorn arguments, e.g. "-w 2".')
    parser.add_argument("--pages", default="", help="Only these pages, e.g. dashboard,list.")
    options = parser.parse_args()
    env = production_environment()
    os.environ.update(env)
    import django

    django.setup()
    from usecases.models import UseCase

    prepare(options.seed)
    people, pages = people_and_pages()
    by_label = {page.label: page for page in pages}
    if options.pages:
        wanted = tuple(word.strip() for word in options.pages.split(",") if word.strip())
        always = ("admin changelist", "bare page (base.html)")
        pages = [page for page in pages if page.label.startswith(wanted + always)]
    headers = sessions(people)
    with tempfile.TemporaryFile() as log:
        server, port = serve(env, shlex.split(options.gunicorn), log)
        try:
            fill_last_pages(pages, port, headers, people)
            load = os.getloadavg()[0]
            if options.rounds:  # --rounds 0: the throughput only
                measure(pages, port, headers, options.rounds, options.warmup)
            print(f"{UseCase.objects.count():,} use cases; gunicorn config.wsgi "
                  f"{options.gunicorn or '(gunicorn.conf.py)'}; production settings; "
                  f"{options.rounds} interleaved rounds after {options.warmup} warm-up; lead "
                  f"{people['lead'].username}; load {load:.1f} before, "
                  f"{os.getloadavg()[0]:.1f} after ({os.cpu_count()} CPUs)")  # fmt: skip
            if options.rounds:
                report(pages)
                print(f"after the rounds: {worker_memory(server.pid)}")
            if options.throughput:
                report_throughput(by_label, port, headers["lead"], options)
                print(f"after the throughput runs: {worker_memory(server.pid)}")
        finally:
            server.terminate()
            try:  # requests still in flight (a slow page under wrk) hold a graceful stop
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


if __name__ == "__main__":
    main()
