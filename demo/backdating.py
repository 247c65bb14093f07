"""DEMO DATA ONLY: moving what the demo's story says happened into the past. The services act
"now"; the demo's sign-offs and baselines are older, so their dates move back after the fact,
around the triggers that would otherwise take the moves for changes to the signed text."""

from __future__ import annotations

from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.db import connection
from django.db.models import F

from core.history import history_context
from demo.data import SEED_HISTORY_MARK
from usecases.models import Notification, Review, Revision, SignOff, UseCase, UseCaseEvent


def backdate_sign_off(usecase: UseCase, *, expires_in_days: int) -> None:
    """Move a fresh sign-off into the past, so its attestation runs out ``expires_in_days`` from
    today (negative: it is overdue).

    DEMO DATA ONLY. The services sign off "now" and give the attestation the full validity period,
    so without this every demo attestation would be brand new. The whole history of the use case
    so far moves back by the same amount, with queryset ``update()``: the use case's own dates
    (``signed_off_at``, ``attestation_expires_at``, created and updated), its ``SignOff``
    (``signed_at``, ``expires_at``), and the events, revisions, reviews and notifications written
    on the way. The use case, its current sign-off and its timeline then agree with each other.
    Steps taken afterwards (a transfer, retirement, comments) happen today.
    """
    age = timedelta(days=settings.SIGN_OFF_VALID_DAYS - expires_in_days)
    if age <= timedelta(0):
        return
    shift = {"usecase_id": usecase.pk}
    with history_context(service=SEED_HISTORY_MARK):
        UseCase.objects.filter(pk=usecase.pk).update(
            signed_off_at=F("signed_off_at") - age,
            attestation_expires_at=F("attestation_expires_at") - age,
            created_at=F("created_at") - age,
            updated_at=F("updated_at") - age,
        )
        SignOff.objects.filter(**shift).update(
            signed_at=F("signed_at") - age, expires_at=F("expires_at") - age
        )
        Review.objects.filter(**shift).update(
            submitted_at=F("submitted_at") - age, decided_at=F("decided_at") - age
        )
        for model in (UseCaseEvent, Revision, Notification):
            model.objects.filter(**shift).update(created_at=F("created_at") - age)


def rewrite_signed_text():
    """Writes inside this block leave the version and the "changed since sign-off" flag alone."""
    return pgtrigger.ignore("usecases.UseCase:usecase_material_change")


def rebind_sign_off(usecase) -> None:
    """The current sign-off of ``usecase`` takes the digest of its text as it is now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE usecases_signoff s SET material_digest = usecase_material_digest(u)"
            " FROM usecases_usecase u WHERE u.id = s.usecase_id AND s.usecase_id = %s"
            " AND s.superseded_at IS NULL AND u.owner_id = s.owner_id",
            [usecase.pk],
        )
