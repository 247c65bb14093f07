"""``manage.py repair_summaries [--clock]``: rebuild the dashboard's summary tables from the use
cases and say whether anything differed from what the triggers kept; ``--clock`` only moves the
summary's clock to now and folds the count rows each writer kept apart into one (hourly: keeps
the dashboard's correction window small and its summed rows few).

The triggers keep the summary exact, so a rebuild finds nothing to mend unless something wrote
around them (a restore of some tables only, triggers switched off by hand). It takes one pass
over the use cases and holds the summary's clock meanwhile: the dashboard waits, writers queue.
"""

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from usecases.dashboard.summary import advance_summary_clock, compact_summary


class Command(BaseCommand):
    help = "Rebuild the dashboard's summary tables from the use cases (or move their clock)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--clock",
            action="store_true",
            help="Only move the summary's clock to now and fold its count rows together.",
        )

    def handle(self, *args, clock=False, **options):
        moved = advance_summary_clock()
        if clock:
            folded = compact_summary()
            self.stdout.write(
                f"Summary clock moved to now: {moved:,} use cases changed phase; "
                f"{folded:,} count rows folded together."
            )
            return
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT usecases_summary_rebuild()")
            differed = cursor.fetchone()[0]
        if differed:
            self.stdout.write(
                f"{differed:,} summary rows differed from a fresh count; all are repaired."
            )
        else:
            self.stdout.write("The summary tables agree with a fresh count; nothing to repair.")
