"""``manage.py seed_demo [--use-cases N]``: the demo organisation, and optionally N more use cases."""

import time

from django.core.management.base import BaseCommand, CommandError

from usecases.demo import DEMO_PASSWORD, bulk_add_usecases, demo_logins, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo organisation (teams, people, products, goals, 60 use cases) where it is "
        "missing; running it again changes nothing. --use-cases N then adds N generated use cases "
        "for scale work."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--use-cases",
            type=int,
            default=0,
            metavar="N",
            help="Also bulk-add N generated use cases (for scale work; they add up on each run).",
        )

    def handle(self, *args, use_cases: int, **options):
        if use_cases < 0:
            raise CommandError("--use-cases must be zero or more.")
        report = seed_demo()
        self.stdout.write("Demo organisation:")
        self._write_table(
            ["", "created", "already present"],
            [[kind, report.created[kind], report.present[kind]] for kind in report.created],
        )
        if use_cases:
            self._bulk_add(count=use_cases)
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

    def _write_table(self, header: list[str], rows: list[list]) -> None:
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)
        ]
        for row in [header, *rows]:
            cells = (str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  ".join(cells).rstrip())
