"""Reads for claiming drafts nobody owns: the detail page's claim panel, and the requests waiting
for a person (My work)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower, Trim

from usecases import permissions
from usecases.contacts import contact_addresses
from usecases.models import OwnershipRequest

User = get_user_model()


@dataclass(frozen=True)
class ClaimPanel:
    """What the detail page of a draft nobody owns offers: who its contact is, the open request
    (if any), and whether this person may claim it, answer the request, or ask someone."""

    contacts: list[str]
    open_request: OwnershipRequest | None
    can_claim: bool  # the contact the use case names, or the person asked
    asked_you: bool
    can_request: bool
    suggested_id: int | None  # the active person whose address is the contact's, preselected


def claim_panel(usecase, user) -> ClaimPanel | None:
    """None for a use case someone owns or that is not a draft (no query); else one query for the
    open request, one more for a lead (the person the contact address names)."""
    if not permissions.is_unowned_draft(usecase):
        return None
    open_request = (
        usecase.ownership_requests.open().select_related("person", "requested_by").first()
    )
    asked_you = open_request is not None and open_request.person_id == user.pk
    can_request = permissions.may_request_ownership(user, usecase)
    addresses = contact_addresses(usecase.contact_email)
    return ClaimPanel(
        contacts=sorted(addresses),
        open_request=open_request,
        can_claim=asked_you or permissions.may_claim(user, usecase),
        asked_you=asked_you,
        can_request=can_request,
        suggested_id=_person_with_address(addresses) if can_request and addresses else None,
    )


def _person_with_address(addresses) -> int | None:
    return (
        User.objects.filter(is_active=True)
        .annotate(address=Lower(Trim("email")))
        .filter(address__in=addresses)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def ownership_requests_waiting(user, *, limit: int) -> tuple[list, int]:
    """The open requests asking ``user`` to own a draft, oldest first (at most ``limit``), and
    how many there are: two queries."""
    waiting = OwnershipRequest.objects.waiting_for(user)
    rows = list(
        waiting.select_related("usecase", "usecase__team", "requested_by").order_by(
            "requested_at", "pk"
        )[:limit]
    )
    return rows, waiting.count()
