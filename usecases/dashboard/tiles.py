"""The dashboard's headline tiles: each counts use cases (a ``CONCERNS`` condition or a status)
and links to the list filtered the same way, so the list's count is the tile's count by
construction; two count the gaps (goals no active use case serves, products none runs on). The
review and sign-off tiles say how long the oldest has waited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from usecases.choices import Status
from usecases.dashboard.scope import DashboardScope
from usecases.dashboard.tables import unserved_goal_count, unused_products


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    count: int
    url: str
    hint: str = ""
    headline: str = ""  # shown instead of the count (the signed share)
    note: str = ""  # a second line: the age of the oldest, "18 of 25 active"
    tone: str = "neutral"  # success, warning, danger, neutral

    @property
    def shown(self) -> str:
        return self.headline or f"{self.count:,}"


def _problem_tone(count: int, *, danger: bool = False) -> str:
    if not count:
        return "success"
    return "danger" if danger else "warning"


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    days = (now - since).days
    if days < 1:
        return "oldest waiting less than a day"
    return f"oldest waiting {days} day{'' if days == 1 else 's'}"


def tiles_panel(scope: DashboardScope) -> list[Tile]:
    """The headline counts, each linking to the list it counts."""
    ages = scope.oldest_waiting
    return [
        _active_tile(scope),
        _signed_tile(scope),
        _concern_tile(scope, "unowned_draft", "Drafts without an owner"),
        _concern_tile(
            scope,
            "imported_unowned",
            "Imported, no owner",
            hint="Read from an existing register and owned by nobody: a team lead asks someone "
            "to own each, or its contact claims it.",
        ),
        _concern_tile(
            scope,
            "in_production_unsigned",
            "In production without a signed owner",
            hint="Live for the people it is for, yet not active with a current sign-off by "
            "an owner who is still here.",
            danger=True,
        ),
        _waiting_tile(scope, Status.IN_REVIEW, "Awaiting review", since=ages.oldest_review),
        _waiting_tile(
            scope, Status.AWAITING_SIGN_OFF, "Awaiting sign-off", since=ages.oldest_sign_off
        ),
        _concern_tile(
            scope,
            "overdue",
            "Attestation overdue",
            hint="Active, but the owner's sign-off has expired.",
            danger=True,
        ),
        _concern_tile(scope, "due_soon", "Attestation due within 30 days"),
        _concern_tile(
            scope,
            "owner_gone",
            "Owner deactivated or not in the team",
            hint="Open use cases whose owner has left or is not a member of the owning team.",
            danger=True,
        ),
        _concern_tile(
            scope,
            "changed",
            "Changed since sign-off",
            hint="What the owner signed differs from the text now: it needs review and a new "
            "sign-off.",
        ),
        _concern_tile(
            scope,
            "no_goal",
            "Linked to no goal",
            hint="Open use cases that serve no strategic goal.",
        ),
        *_gap_tiles(scope),
        _concern_tile(scope, "off_track", "Success signals off track", danger=True),
    ]


def _active_tile(scope: DashboardScope) -> Tile:
    return Tile(
        "active",
        "Active use cases",
        scope.totals[Status.ACTIVE],
        scope.list_url(status=Status.ACTIVE),
        hint="Reviewed, approved and signed off by their owner.",
    )


def _signed_tile(scope: DashboardScope) -> Tile:
    """The signed share of the active use cases: good from 80%."""
    counts = scope.totals
    active, share = counts[Status.ACTIVE], counts.signed_share
    return Tile(
        "signed",
        "Owned and signed",
        counts["signed"],
        scope.list_url(show="signed"),
        headline=f"{share}%" if share is not None else "—",
        note=f"{counts['signed']:,} of {active:,} active",
        hint="Active with a current, unexpired sign-off by their owner.",
        tone="neutral" if share is None else ("success" if share >= 80 else "warning"),
    )


def _waiting_tile(
    scope: DashboardScope, status: Status, label: str, *, since: datetime | None
) -> Tile:
    """Use cases waiting in ``status``, and how long the oldest has waited."""
    return Tile(
        status.value,
        label,
        scope.totals[status],
        scope.list_url(status=status),
        note=_age(since, scope.now),
    )


def _concern_tile(
    scope: DashboardScope, key: str, label: str, *, hint: str = "", danger: bool = False
) -> Tile:
    """The use cases of concern ``key`` (``usecases.concerns``), linking to the list shown
    only those; calm at zero."""
    count = scope.totals[key]
    return Tile(
        key,
        label,
        count,
        scope.list_url(show=key),
        hint=hint,
        tone=_problem_tone(count, danger=danger),
    )


def _gap_tiles(scope: DashboardScope) -> list[Tile]:
    """Goals (not dropped) no active use case serves, and products in use none runs on."""
    unserved = unserved_goal_count(scope)
    unused = len(unused_products(scope))
    return [
        Tile(
            "unserved_goals",
            "Goals with no active use case",
            unserved,
            scope.page_url("usecases:dashboard_unserved"),
            hint="Goals (not dropped) that no active use case serves, directly or through a sub-goal.",
            tone=_problem_tone(unserved),
        ),
        Tile(
            "unused_products",
            "Products with no use case",
            unused,
            scope.page_url("usecases:dashboard_unused"),
            hint=(
                "Products in use that no open use case serving this goal runs on."
                if scope.goal
                else "Products in use that no open use case runs on."
            ),
            tone=_problem_tone(unused),
        ),
    ]
