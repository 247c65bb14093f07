"""``manage.py seed_demo [--use-cases N] [--scale N] [--force]``: the demo organisation, and
optionally N more use cases, or a large organisation with N use cases and their history
(``--scale``). Development only: it refuses to run unless DEBUG is on or ``--force`` is given."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.bulk import bulk_add_usecases
from demo.organisation import DEMO_PASSWORD, demo_logins, seed_demo
from demo.scale import seed_scale
from demo.scale_org import SCALE_ADMIN_USERNAME


class Command(BaseCommand):
    help = (
        "Create the demo organisation (teams, people, products, goals, 60 use cases) where it is "
        "missing, each use case brought to its status through the review and sign-off workflow; "
        "running it again changes nothing. --use-cases N then adds N generated use cases for "
        "scale work (they skip the workflow). Every demo user, an admin among them, gets the same "
        "published password, so it runs only with DEBUG on unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--use-cases",
            type=int,
            default=0,
            metavar="N",
            help=(
                "Also bulk-add N generated use cases (for scale work; they add up on each run). "
                "Their status is set directly: they skip the workflow."
            ),
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help=(
                "Also add N use cases to a large generated organisation (hundreds of teams, "
                "thousands of people; created on the first run), each with its links and "
                "workflow history, loaded with COPY: a million in minutes."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Seed even though DEBUG is off. The demo users, an admin among them, can then sign "
                "in with the published password: never on a registry that holds real data."
            ),
        )

    def handle(self, *args, use_cases: int, scale: int, force: bool, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: it creates demo users, an admin among "
                f"them, who all sign in with the published password {DEMO_PASSWORD!r}. Run it in "
                "development (DJANGO_DEBUG=1), or pass --force if this really is a throwaway "
                "database."
            )
        if use_cases < 0 or scale < 0:
            raise CommandError("--use-cases and --scale must be zero or more.")
        report = seed_demo()
        self.stdout.write("Demo organisation:")
        self._write_table(
            ["", "created", "already present"],
            [[kind, report.created[kind], report.present[kind]] for kind in report.created],
        )
        if any(report.workflow.values()):
            written = ", ".join(f"{count} {kind}" for kind, count in report.workflow.items())
            self.stdout.write(
                f"\nThe workflow services wrote {written}. The notifications' e-mails wait in the "
                "task queue; the worker (manage.py task_worker, started by make run) sends them."
            )
        if use_cases:
            self._bulk_add(count=use_cases)
        if scale:
            self._scale(count=scale)
        self.stdout.write("\nDemo logins (every demo user has this password):")
        self._write_table(
            ["username", "password", "role"],
            [[login.username, DEMO_PASSWORD, login.role] for login in demo_logins()],
        )

    def _bulk_add(self, *, count: int) -> None:
        start = time.perf_counter()
        bulk_add_usecases(count=count)
        seconds = time.perf_counter() - start
        self.stdout.write(
            self.style.SUCCESS(f"\nAdded {count:,} generated use cases in {seconds:.1f} s.")
        )

    def _scale(self, *, count: int) -> None:
        start = time.perf_counter()
        report = seed_scale(count=count)
        seconds = time.perf_counter() - start
        self.stdout.write(
            self.style.SUCCESS(
                f"\nAdded {count:,} use cases to the scale organisation in {seconds:.1f} s "
                f"(sign in as {SCALE_ADMIN_USERNAME} or any of its people):"
            )
        )
        self._write_table(["table", "rows"], [[t, f"{n:,}"] for t, n in report.rows.items()])

    def _write_table(self, header: list[str], rows: list[list]) -> None:
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)
        ]
        for row in [header, *rows]:
            cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
