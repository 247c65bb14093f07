"""The workflow's records: what happened to a use case (events), the text as submitted and signed
(revisions), review rounds, sign-offs and ownership transfers."""

import pgtrigger
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst

from core import history
from usecases.choices import (
    EventKind,
    HistoryMark,
    ReviewDecision,
    RevisionReason,
    SignOffKind,
    Status,
)
from usecases.models.usecase import UseCase


class UseCaseEvent(models.Model):
    """What happened to a use case, by whom and when; written by the services
    (``core.history.record``)."""

    event_field = "kind"

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(help_text="The use case's version after the event.")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True, help_text="Comment, rationale or reason given.")
    changes = models.JSONField(
        default=dict, blank=True, help_text="{field: [old, new]} in display form."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["usecase", "-version"], name="event_usecase_version")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.usecase_id} v{self.version}"

    @property
    def changed_labels(self) -> list[str]:
        """The changed fields as people name them."""
        labels = []
        for name in self.changes:
            try:
                labels.append(capfirst(UseCase._meta.get_field(name).verbose_name))
            except FieldDoesNotExist:
                # A custom field ("cf_cost_centre"): its name read aloud; the timeline and the
                # diff use its label (``selectors.field_label``).
                labels.append(capfirst(name.removeprefix("cf_").replace("_", " ")))
        return labels


history.register_events(UseCaseEvent, EventKind)
history.register_marks(HistoryMark)


class Revision(models.Model):
    """A snapshot of the use case's text, taken on every submit and sign-off."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=RevisionReason.choices)
    data = models.JSONField(help_text="{field: value as people read it}")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["usecase", "number"], name="revision_unique_number"),
        ]

    def __str__(self):
        return f"{self.usecase_id} revision {self.number}"


class Review(models.Model):
    """One review round: opened on submit, closed by a reviewer's decision."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews_decided",
    )
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices, blank=True)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            # The review queue, the longest-waiting first: open rounds in the order they began.
            models.Index(
                fields=["submitted_at"],
                include=["usecase", "submitted_by"],
                condition=Q(decided_at__isnull=True),
                name="review_open_waiting",
            ),
            # The open rounds one person sent (left out of their review queue), read for them
            # alone rather than across every open round.
            models.Index(
                fields=["submitted_by"],
                include=["usecase"],
                condition=Q(decided_at__isnull=True),
                name="review_open_sent_by",
            ),
            # When each use case was last approved (the sign-offs page's "waiting since").
            models.Index(
                fields=["usecase", "-decided_at"],
                condition=Q(decision=ReviewDecision.APPROVED),
                name="review_approved_latest",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(decided_at__isnull=True),
                name="review_one_open_per_usecase",
            ),
            models.CheckConstraint(
                condition=(
                    Q(decided_at__isnull=True, reviewer__isnull=True, decision="")
                    | (Q(decided_at__isnull=False, reviewer__isnull=False) & ~Q(decision=""))
                ),
                name="review_decided_completely_or_not_at_all",
            ),
        ]

    def __str__(self):
        return f"Review of {self.usecase_id} ({self.decision or 'open'})"


class SignOff(models.Model):
    """The owner's explicit, dated acceptance of a revision; it expires and must be renewed."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="sign_offs")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey(Revision, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=SignOffKind.choices)
    statement = models.TextField()
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # When the daily job recorded that this sign-off ran out (its "Attestation lapsed" event).
    lapse_recorded_at = models.DateTimeField(null=True, blank=True)
    # A digest of the material fields as signed (the SQL function usecase_material_digest), set
    # by the database when the sign-off is written; a re-attestation keeps the digest it renews.
    material_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-signed_at"]
        triggers = [
            pgtrigger.Trigger(
                name="signoff_material_digest",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                IF NEW.material_digest = '' THEN
                    SELECT usecase_material_digest(u) INTO NEW.material_digest
                    FROM usecases_usecase u WHERE u.id = NEW.usecase_id;
                END IF;
                RETURN NEW;
                """,
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("signed_at")),
                name="signoff_expires_after_signing",
            ),
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(superseded_at__isnull=True),
                name="signoff_one_current_per_usecase",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.usecase_id} by {self.owner_id}"


class OwnershipTransfer(models.Model):
    """A request to hand an active use case to a new owner, open until they sign or decline."""

    usecase = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="transfers")
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(resolved_at__isnull=True),
                name="transfer_one_open_per_usecase",
            ),
        ]

    def __str__(self):
        return f"Transfer of {self.usecase_id} to {self.to_owner_id}"
