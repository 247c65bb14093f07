"""``manage.py recompute_evidence``: run once a day (cron, a systemd timer)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from usecases import services


class Command(BaseCommand):
    help = (
        "Bring every use case's evidence status (on track, at risk, off track) up to today: the "
        "line from baseline to target moves with time, and target dates pass. Measurements are "
        "not touched; running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Judge as of this date instead of today (to replay or check a past day).",
        )

    def handle(self, *args, today: str | None = None, **options):
        on = None
        if today:
            try:
                on = date.fromisoformat(today)
            except ValueError:
                raise CommandError("--today must be a date such as 2025-03-31.") from None
        changed = services.evidence_recompute(today=on)
        self.stdout.write(
            f"Evidence status changed for {changed} use case{'' if changed == 1 else 's'}."
        )
