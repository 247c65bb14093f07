"""Import speed and peak memory of the US 2025 inventory and the Dutch register; prints a table.

Usage: DJANGO_DEBUG=1 DATABASE_URL=postgres://USER@HOST:PORT/ANY .venv/bin/python
       benchmarks/import_times.py [--data ../shared/data] [--database registry_bench_import]
       [--scale 4] [--keep] [--webhook] [--only us]

Works in a database of its own on the server DATABASE_URL names: ``--database`` is dropped if it
exists, created and migrated, and dropped again at the end (``--keep`` keeps it). Each file is
imported as the task worker imports it (``imports.running.execute``, the recognised format's
mapping, the import's own account), into an empty registry, then again: the re-import reads
every row and writes nothing.

Columns: rows read; seconds and rows per second of the first import; peak memory two ways:
``traced MiB``, what Python allocated at most during an import (tracemalloc; measured in a third
import of the same rows under another register name, so every row is created again, because
tracing slows Python down several times), and ``RSS +MiB``, how far the process's peak size grew
during the first import; ``upload MiB``, what Python allocated at most while the upload was read
and kept in its run (``imports.runs.new_run``, before the import runs); then the re-import's
seconds. ``--scale N`` adds the US 2025 inventory
repeated N times (each copy's ids made its own, so every row is new): memory should stay flat as
the file grows, since rows are streamed and written in batches. ``--webhook`` registers one active
webhook endpoint asking for every event first, so each created use case queues a
``usecase.created`` delivery (nothing is sent: no task worker runs); ``--only us`` imports only the
US 2025 inventory.
"""

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from benchmarks.scratch import recreate, server_url  # noqa: E402

FILES = ("us_federal_ai_inventory_2025.csv", "nl_algoritmeregister_2023_pub_data.json")


def scaled_us_2025(source: Path, times: int, folder: Path) -> Path:
    """The US 2025 inventory ``times`` over, each copy's ids suffixed, so its rows are new."""
    target = folder / f"us_federal_ai_inventory_2025_x{times}.csv"
    with source.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.DictReader(file)
        rows, columns = list(reader), reader.fieldnames
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        for copy in range(times):
            for row in rows:
                writer.writerow({**row, "id": f"{row['id'] or 'row'}~{copy}"} if copy else row)
    return target


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def new_import(path: Path, register: str = ""):
    """A run of ``path`` with its recognised mapping (under ``register``: a file of no known
    source, so its rows are new again)."""
    from imports.runs import importer_account, new_run, read_upload
    from usecases.choices import Source

    data = path.read_bytes()
    run = new_run(
        data=data, name=path.name, register=read_upload(data, path.name), actor=importer_account()
    )
    if register:
        run.mapping = {**run.mapping, "source": Source.FILE, "register": register}
        run.save(update_fields=["mapping"])
    return run


def timed(run) -> tuple[float, object]:
    from imports.running import execute

    started = time.perf_counter()
    run = execute(run)
    return time.perf_counter() - started, run


def measure(path: Path) -> dict:
    rss_before = peak_rss_mib()
    seconds, first = timed(new_import(path))
    rss_growth = peak_rss_mib() - rss_before
    again, second = timed(new_import(path))
    tracemalloc.start()
    run = new_import(path, register="traced")
    stored = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.reset_peak()
    timed(run)
    traced = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return {
        "rows": first.rows_done,
        "seconds": seconds,
        "traced": traced,
        "stored": stored,
        "rss": rss_growth,
        "again": again,
        "counts": (first.counts(), second.counts()),
    }


def options_given():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("SHARED_DATA", ROOT / "../shared/data"))
    parser.add_argument("--database", default="registry_bench_import")
    parser.add_argument("--scale", type=int, default=0, metavar="N", help="Also N copies in one.")
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--webhook", action="store_true", help="With an endpoint for every event.")
    parser.add_argument("--only", choices=["us"], help="Only the US 2025 inventory.")
    return parser.parse_args()


def set_up(database: str, webhook: bool) -> None:
    """A fresh, migrated database for the run, Django set up as the task worker runs it."""
    recreate(database)
    os.environ["DATABASE_URL"] = server_url(database)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # As the task worker runs: with DEBUG on, Django keeps the SQL of the last 9,000 queries (a
    # batch's insert is one long statement), which would be measured as the import's memory.
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    if webhook:
        from webhooks.models import Endpoint, WebhookEvent

        Endpoint.objects.create(
            url="https://hooks.example.org/registry", events=list(WebhookEvent.values)
        )


def main():
    options = options_given()
    data = Path(options.data).resolve()
    missing = [name for name in FILES if not (data / name).is_file()]
    if missing:
        sys.exit(f"{', '.join(missing)} not at {data}; pass --data FOLDER.")
    set_up(options.database, options.webhook)
    from imports.runs import summary

    line = "{:<40} {:>7} {:>8} {:>7} {:>10} {:>9} {:>10} {:>8}"
    print(line.format("file", "rows", "seconds", "rows/s", "traced MiB", "RSS +MiB", "upload MiB",
                      "again s"))  # fmt: skip
    notes = []
    folder = tempfile.TemporaryDirectory()
    paths = [data / name for name in (FILES[:1] if options.only else FILES)]
    if options.scale > 1:
        paths.append(scaled_us_2025(data / FILES[0], options.scale, Path(folder.name)))
    try:
        for path in paths:
            name = path.name
            result = measure(path)
            print(line.format(name, f"{result['rows']:,}", f"{result['seconds']:.1f}",
                              f"{result['rows'] / result['seconds']:,.0f}",
                              f"{result['traced']:.1f}", f"{result['rss']:.1f}",
                              f"{result['stored']:.1f}", f"{result['again']:.1f}"))  # fmt: skip
            first, second = result["counts"]
            notes.append(f"{name}: {summary(result['rows'], first)}; again: "
                         f"{summary(result['rows'], second)}")  # fmt: skip
        if options.webhook:
            from django_tasks_db.models import DBTaskResult

            from webhooks.models import Delivery

            notes.append(f"webhook deliveries queued: {Delivery.objects.count():,} "
                         f"(task rows: {DBTaskResult.objects.count():,})")  # fmt: skip
    finally:
        from django.db import connections

        connections.close_all()
        folder.cleanup()
        if not options.keep:
            recreate(options.database, drop_only=True)
    print("\n".join(notes))


if __name__ == "__main__":
    main()
