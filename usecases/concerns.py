"""The registry's concerns: one condition per thing that needs someone's attention (a draft
without an owner, an attestation overdue, an owner who left, ...), and the list's "no area" value.

The use-case list's "Show only" filter applies them (``UseCaseFilter.show``) and the dashboard
counts with them, so a dashboard tile's count is the count of the list it links to by
construction. Both import this module; neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from portfolio.models import Membership
from usecases.choices import MEASURABLE_STATUSES, EvidenceStatus, LifecycleStage, Status
from usecases.models import UseCaseQuerySet
from usecases.selectors import attestation_due_before

User = get_user_model()

# Use cases someone is still working on or relying on: not declined, not retired.
LIVE_STATUSES = (Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF, Status.ACTIVE)
# The list's ``evidence_area`` value for "no area" (the dashboard's evidence panel links to it).
NO_AREA = "none"
# The list's ``subunits`` value for "this team only": a team's sub-units' use cases count as its
# own unless the list or the dashboard is given it.
SUBUNITS_LEFT_OUT = "none"
# The list's filters that scope the whole dashboard (``usecases.filters.ScopeFilter`` reads them).
SCOPE_PARAMS = ("team", "subunits", "product", "goal", "subgoals")


@dataclass(frozen=True)
class Concern:
    key: str
    label: str  # as the list's "Show only" filter offers it
    condition: Callable[[datetime], Q]


def _signed(now: datetime) -> Q:
    """Active with a current sign-off by an owner who is still here: a deactivated owner's
    signature owns nothing (those use cases count under ``owner_gone``)."""
    return Q(
        status=Status.ACTIVE,
        owner__is_active=True,
        changed_since_sign_off=False,
        attestation_expires_at__gte=now,
    )


def _in_production_unsigned(now: datetime) -> Q:
    """In production, yet not owned and signed (``_signed``): the sharpest ownership gap, since
    the lifecycle never waits for the workflow."""
    return Q(lifecycle_stage=LifecycleStage.IN_PRODUCTION) & ~_signed(now)


def _overdue(now: datetime) -> Q:
    return UseCaseQuerySet.overdue_condition(now)  # the rule of ``UseCase.objects.overdue()``


def _due_soon(now: datetime) -> Q:
    return Q(
        status=Status.ACTIVE,
        attestation_expires_at__gte=now,
        attestation_expires_at__lt=attestation_due_before(now),
    )


def _unowned_draft(now: datetime) -> Q:
    return Q(status=Status.DRAFT, owner__isnull=True)


def _imported_unowned(now: datetime) -> Q:
    """Read from an existing register and owned by nobody yet: orphans until someone claims them
    (``services.claims``)."""
    return _unowned_draft(now) & UseCaseQuerySet.imported_condition()


def _owner_gone(now: datetime) -> Q:
    """The owner is deactivated, or is not (any longer) a member of the use case's team. EXISTS,
    not joins: the condition also filters a grouped count, which a join would change."""
    inactive = Exists(User.objects.filter(pk=OuterRef("owner_id"), is_active=False))
    in_team = Exists(
        Membership.objects.filter(team_id=OuterRef("team_id"), user_id=OuterRef("owner_id"))
    )
    return Q(status__in=LIVE_STATUSES, owner__isnull=False) & (Q(inactive) | Q(~in_team))


def _no_goal(now: datetime) -> Q:
    return Q(status__in=LIVE_STATUSES, goal_ids=[])


def _changed_since_sign_off(now: datetime) -> Q:
    """What the owner signed differs from the text now, however it was changed: it needs review
    and a new sign-off (an edit through the pages has sent it to review already)."""
    return Q(
        changed_since_sign_off=True,
        status__in=[Status.ACTIVE, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF],
    )


def _off_track(now: datetime) -> Q:
    return Q(status__in=MEASURABLE_STATUSES, evidence_status=EvidenceStatus.OFF_TRACK)


CONCERNS: dict[str, Concern] = {
    concern.key: concern
    for concern in [
        Concern("signed", "Owned and signed (current sign-off)", _signed),
        Concern("unowned_draft", "Drafts without an owner", _unowned_draft),
        Concern("imported_unowned", "Imported, no owner", _imported_unowned),
        Concern(
            "in_production_unsigned",
            "In production without a signed owner",
            _in_production_unsigned,
        ),
        Concern("overdue", "Attestation overdue", _overdue),
        Concern("due_soon", "Attestation due within 30 days", _due_soon),
        Concern("owner_gone", "Owner deactivated or not in the team", _owner_gone),
        Concern("changed", "Changed since sign-off (needs re-review)", _changed_since_sign_off),
        Concern("no_goal", "Linked to no goal", _no_goal),
        Concern("off_track", "Success signal off track", _off_track),
    ]
}
CONCERN_CHOICES = [(concern.key, concern.label) for concern in CONCERNS.values()]


def concern_condition(key: str, *, now: datetime | None = None) -> Q:
    return CONCERNS[key].condition(now or timezone.now())
