"""Attestation reminders: owners whose sign-off is about to expire are told once; a sign-off that
has run out is recorded once on its use case's timeline (and sent to webhooks)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import history
from core.history import history_context
from usecases.choices import EventKind, HistoryMark, NotificationKind, Status
from usecases.models import SignOff, UseCase
from usecases.notifications import notify


@history_context(service=HistoryMark.REMINDER_SENT)
def send_attestation_reminders(*, now=None) -> int:
    """Remind owners whose sign-off expires within the reminder window, once per sign-off."""
    now = now or timezone.now()
    due = (
        SignOff.objects.select_for_update(of=("self",))
        .filter(
            superseded_at__isnull=True,
            reminder_sent_at__isnull=True,
            usecase__status=Status.ACTIVE,
            expires_at__lte=now + timedelta(days=settings.ATTESTATION_REMINDER_DAYS),
        )
        .select_related("usecase__owner")
    )
    sent = 0
    with transaction.atomic():
        for sign_off in due:
            usecase = sign_off.usecase
            when = "expired" if sign_off.expires_at < now else "expires"
            expiry = timezone.localdate(sign_off.expires_at)
            notify(
                recipients=[usecase.owner],
                kind=NotificationKind.ATTESTATION_DUE,
                usecase=usecase,
                message=f"Your sign-off of {usecase.key} “{usecase.title}” {when} on "
                f"{expiry.day} {expiry:%B %Y}. Re-attest if you still own it.",
            )
            sign_off.reminder_sent_at = now
            sign_off.save(update_fields=["reminder_sent_at"])
            sent += 1
    return sent


@history_context(service=EventKind.ATTESTATION_LAPSED)
def record_lapsed_attestations(*, now=None) -> int:
    """Record "Attestation lapsed" on each active use case whose owner's sign-off ran out before
    ``now`` (the overdue rule, ``UseCaseQuerySet.overdue_condition``), once per sign-off: running
    it again, or twice at once, records nothing more. Re-attesting starts a new sign-off, whose
    own lapse is recorded in its turn."""
    now = now or timezone.now()
    with transaction.atomic():
        lapsed = (
            SignOff.objects.select_for_update(of=("self",))
            .filter(
                superseded_at__isnull=True,
                lapse_recorded_at__isnull=True,
                usecase__in=UseCase.objects.overdue(now=now),
            )
            .select_related("usecase")
            .order_by("pk")
        )
        recorded = 0
        for sign_off in lapsed:
            usecase = sign_off.usecase
            expiry = timezone.localdate(sign_off.expires_at)
            history.record(
                EventKind.ATTESTATION_LAPSED,
                usecase=usecase,
                actor=None,
                version=usecase.version,
                note=f"The owner's sign-off ran out on {expiry.day} {expiry:%B %Y}; it is "
                "overdue until they re-attest.",
            )
            sign_off.lapse_recorded_at = now
            sign_off.save(update_fields=["lapse_recorded_at"])
            recorded += 1
    return recorded
