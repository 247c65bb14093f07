"""A request that a person take ownership of a draft nobody owns yet (an imported use case, most
often): open until they accept (they become its owner) or decline (with a reason)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from usecases.choices import Status
from usecases.models.usecase import UseCase


class OwnershipRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at__isnull=True)

    def waiting_for(self, user):
        """Open requests asking ``user`` that can still be answered: the use case is a draft
        nobody owns (one given an owner another way is no longer asked about)."""
        return self.open().filter(
            person=user, usecase__status=Status.DRAFT, usecase__owner__isnull=True
        )


class OwnershipRequest(models.Model):
    """A team lead (or an admin) asks ``person`` to own an unowned draft. Unlike an
    ``OwnershipTransfer`` nobody hands anything over and nothing was signed: accepting makes the
    person the owner of a draft, which then goes through review and sign-off like any other."""

    usecase = models.ForeignKey(
        UseCase, on_delete=models.CASCADE, related_name="ownership_requests"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ownership_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)
    answer = models.TextField(blank=True, help_text="Why it was declined or withdrawn.")

    objects = OwnershipRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["usecase"],
                condition=Q(resolved_at__isnull=True),
                name="ownership_request_one_open_per_usecase",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, accepted__isnull=True)
                | Q(resolved_at__isnull=False, accepted__isnull=False),
                name="ownership_request_resolved_completely",
            ),
        ]

    def __str__(self):
        return f"Ownership request for {self.usecase_id} to {self.person_id}"
