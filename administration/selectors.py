"""Reads for the administration pages: what a person holds (before they leave), the people list,
and the administration history."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q
from django.template.defaultfilters import pluralize
from pghistory.models import MiddlewareEvents

from core.queries import count_of
from portfolio.choices import REVIEWERS_GROUP
from portfolio.models import AdminEvent, Membership, Product, StrategicGoal
from portfolio.permissions import is_reviewer
from portfolio.selectors import sole_lead_memberships
from usecases.choices import Status
from usecases.models import OwnershipTransfer, UseCase

User = get_user_model()

# The use cases whose author still has work to do on them: a draft comes back to its author after
# "request changes", a declined ownership or a reopening. The leaver's authorship of these moves.
AUTHORED_OPEN = (Status.DRAFT, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF, Status.DECLINED)


@dataclass
class Holdings:
    """Everything a person holds that someone else must take over when they leave."""

    person: object
    owned: list = field(default_factory=list)  # use cases they own, any status
    authored: list = field(default_factory=list)  # open use cases they wrote but don't own
    handing_over: list = field(default_factory=list)  # open transfers away from them
    products: list = field(default_factory=list)  # products they manage
    goals: list = field(default_factory=list)  # goals they own
    memberships: list = field(default_factory=list)
    led_teams: list = field(default_factory=list)  # teams (not archived) they alone lead
    is_reviewer: bool = False
    open_reviews: int = 0  # use cases in review they could decide (a shared queue: informative)
    other_reviewers: int = 0

    @property
    def last_reviewer(self) -> bool:
        """They are the only active reviewer and reviews wait: nobody could decide them after."""
        return self.is_reviewer and bool(self.open_reviews) and not self.other_reviewers


def _review_load(person) -> tuple[bool, int, int]:
    """Whether ``person`` reviews, how many reviews they could decide, how many others could."""
    if not is_reviewer(person):
        return False, 0, 0
    open_reviews = UseCase.objects.reviewable_by(person).count()
    other_reviewers = (
        User.objects.filter(groups__name=REVIEWERS_GROUP, is_active=True)
        .exclude(pk=person.pk)
        .count()
    )
    return True, open_reviews, other_reviewers


def person_holdings(person) -> Holdings:
    """What ``person`` owns, wrote, hands over, leads and could review; a fixed number of
    queries."""
    owned = (
        UseCase.objects.filter(owner=person).select_related("team").order_by("status", "-number")
    )
    authored = (
        UseCase.objects.filter(author=person, status__in=AUTHORED_OPEN)
        .exclude(owner=person)
        .select_related("team", "owner")
        .order_by("-number")
    )
    handing_over = (
        OwnershipTransfer.objects.filter(from_owner=person, resolved_at__isnull=True)
        .select_related("usecase__team", "to_owner")
        .order_by("-requested_at")
    )
    memberships = Membership.objects.filter(user=person).select_related("team")
    reviewer, open_reviews, other_reviewers = _review_load(person)
    return Holdings(
        person=person,
        owned=list(owned),
        authored=list(authored),
        handing_over=list(handing_over),
        products=list(Product.objects.filter(manager=person).select_related("team")),
        goals=list(StrategicGoal.objects.filter(owner=person)),
        memberships=list(memberships.order_by("team__name")),
        led_teams=[membership.team for membership in sole_lead_memberships(person)],
        is_reviewer=reviewer,
        open_reviews=open_reviews,
        other_reviewers=other_reviewers,
    )


def use_cases(count: int, kind: str = "") -> str:
    """``count`` use cases in words: "1 use case", "3 open use cases"."""
    return f"{count} {kind}use case{'s' if count != 1 else ''}"


def join_words(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def held_by(person) -> list[str]:
    """What ``person`` still holds that the guided deactivation hands over, in words; empty if
    nothing. The Django admin asks before it lets anyone deactivate a person outside it.

    Reviews are a shared queue, not held by one reviewer: they count only when this person is the
    last active reviewer and reviews wait, so that nobody could decide them afterwards.
    """
    holdings = person_holdings(person)
    held = []
    if holdings.products:
        count = len(holdings.products)
        held.append(f"manages {count} product{pluralize(count)}")
    if holdings.goals:
        count = len(holdings.goals)
        held.append(f"owns {count} goal{pluralize(count)}")
    if holdings.led_teams:
        held.append(f"is the only lead of {join_words([str(t) for t in holdings.led_teams])}")
    return held + _use_cases_held(holdings)


def _use_cases_held(holdings: Holdings) -> list[str]:
    held = []
    if holdings.owned:
        held.append(f"owns {use_cases(len(holdings.owned))}")
    if holdings.authored:
        held.append(f"wrote {use_cases(len(holdings.authored), 'open ')} someone else owns")
    if holdings.handing_over:
        held.append(
            f"is handing over {use_cases(len(holdings.handing_over))} "
            "still waiting for the new owner's sign-off"
        )
    if holdings.last_reviewer:
        held.append(
            f"is the last active reviewer, and {use_cases(holdings.open_reviews)} "
            f"{'waits' if holdings.open_reviews == 1 else 'wait'} for a review"
        )
    return held


def people_list(*, active: bool = True, search: str = ""):
    """People for the admin's people page, by name, each with what they hold.

    ``search`` keeps the people whose name, username or e-mail address holds every one of its
    words. The counts are subqueries: a page (a slice) computes them for its own rows alone, each
    from an index, and counting the people leaves them out. Joining every person to every use case
    they own and grouping made the page cost what the whole registry holds.
    """
    people = User.objects.filter(is_active=active)
    for word in search.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    owned = UseCase.objects.filter(owner=OuterRef("pk"))
    return people.annotate(
        owned_count=count_of(owned),
        active_owned_count=count_of(owned.filter(status=Status.ACTIVE)),
        team_count=count_of(Membership.objects.filter(user=OuterRef("pk"))),
    ).order_by("last_name", "first_name", "username")


def successor_choices(person):
    return (
        User.objects.filter(is_active=True)
        .exclude(pk=person.pk)
        .order_by("first_name", "last_name", "username")
    )


# --- The administration history -----------------------------------------------------------------

# What the administration history can be narrowed to: the target's kind.
ADMIN_HISTORY_KINDS = {
    "team": "Teams and members",
    "user": "People",
    "product": "Products",
    "strategicgoal": "Goals",
    "task": "Task queue",
    "profile": "Standards' profiles",
    "customfield": "Custom fields",
    "accesstoken": "API tokens",
    "endpoint": "Webhooks",
}


def admin_history(*, kind: str = ""):
    """Administration events, newest first, with who acted (one query per page)."""
    events = AdminEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    if kind in ADMIN_HISTORY_KINDS:
        events = events.filter(target_type=kind)
    return events


# The history tables the triggers fill (portfolio/models.py).
HISTORY_MODELS = ["TeamHistory", "MembershipHistory", "ProductHistory", "StrategicGoalHistory"]


def outside_changes():
    """Row changes to teams, memberships, products and goals made outside the administration
    pages (the Django admin, a shell, a script), newest first, from the history triggers. Rows
    the administration services wrote carry ``admin_action`` in their context."""
    event_models = [apps.get_model("portfolio", name) for name in HISTORY_MODELS]
    return (
        MiddlewareEvents.objects.across(*event_models)
        .filter(Q(pgh_context__isnull=True) | Q(pgh_context__admin_action__isnull=True))
        .order_by("-pgh_created_at")
    )


def described_changes(rows) -> list:
    """``rows`` of ``outside_changes`` with what the page shows: who (``person``), the kind of
    row (``what``), its name (``label``) and the changed fields but the id (``shown_diff``)."""
    changes = list(rows)
    user_ids = {(row.pgh_context or {}).get("user") for row in changes} - {None}
    people = User.objects.in_bulk(user_ids)
    for row in changes:
        row.person = people.get((row.pgh_context or {}).get("user"))
        row.what = row.pgh_model.split(".")[-1].removesuffix("History")
        data = row.pgh_data or {}
        row.label = data.get("name") or data.get("title") or f"#{row.pgh_obj_id}"
        row.shown_diff = {name: pair for name, pair in (row.pgh_diff or {}).items() if name != "id"}
    return changes
