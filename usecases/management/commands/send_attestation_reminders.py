"""``manage.py send_attestation_reminders``: run once a day (cron, a systemd timer)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from usecases import integrity, services


class Command(BaseCommand):
    help = (
        "Remind owners whose sign-off lapses within ATTESTATION_REMINDER_DAYS (or has lapsed) to "
        "re-attest: an inbox notice and an e-mail, once per sign-off, so running it daily (or "
        "twice) never repeats a reminder. The e-mails are sent by the task worker. Records "
        '"Attestation lapsed" on each use case whose sign-off has run out, once per sign-off '
        '(webhooks asking for "attestation overdue" get it). Also reports every active use '
        "case whose text no longer matches what its owner signed."
    )

    def handle(self, *args, **options):
        sent = services.send_attestation_reminders()
        self.stdout.write(
            f"Sent {sent} attestation reminder{'' if sent == 1 else 's'} "
            f"(sign-offs lapsing within {settings.ATTESTATION_REMINDER_DAYS} days)."
        )
        lapsed = services.record_lapsed_attestations()
        self.stdout.write(
            f"Recorded {lapsed} lapsed attestation{'' if lapsed == 1 else 's'} "
            "(sign-offs that ran out since the last run)."
        )
        check = integrity.check_signed_text()
        if check.changed:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(check.changed)} active use case{'' if len(check.changed) == 1 else 's'} "
                    f"changed since sign-off, needing re-review: {', '.join(check.changed)}"
                    + (f" (newly found: {', '.join(check.flagged)})" if check.flagged else "")
                )
            )
        else:
            self.stdout.write("Every active use case matches the text its owner signed.")
