"""The ownership dashboard: where ownership, evidence or strategic alignment is missing.

Wagtail-style panels, one function each (``tiles_panel``, ``teams_panel``, ``goal_tree_panel``,
``trends_panel``), over a ``DashboardScope``: the use cases the team, product and goal filters
select, with ``UseCaseFilter`` itself, so a tile and the list it links to filter alike. Each tile
that counts use cases is a ``CONCERNS`` condition (or a status); the list applies the same
condition through its ``show`` filter, so the list's count is the tile's count by construction.

The counts come from one grouped query whatever the registry's size, grouped by team (tiles and
the team table), by the set of goals a use case serves (the goal tree, whose roll-ups count each
use case once however many of a subtree's goals it serves, and the evidence per goal) and by
evidence status. A second groups by the set of products (products without a use case, evidence
per product). Both read the use case's ``goal_ids`` and ``product_ids``, which triggers keep, from
one covering index. The rest is one query each: waiting ages, evidence per area, goals, products,
snapshots.

``ownership_snapshot_take`` records the key counts once a day (a weekly cron runs
``manage.py take_ownership_snapshot``), org-wide and per team, for the trend charts;
``seed_snapshots`` back-fills plausible weeks for the demo and marks them as such.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode

from portfolio.choices import GoalStatus, ProductLifecycle
from portfolio.models import Product, StrategicGoal, Team
from usecases import charts
from usecases.choices import (
    EVIDENCE_TONES,
    MEASURABLE_STATUSES,
    EvidenceArea,
    EvidenceStatus,
    Status,
)
from usecases.concerns import CONCERNS, LIVE_STATUSES, NO_AREA
from usecases.models import OwnershipSnapshot, Review, UseCase
from usecases.selectors import sign_off_requested_at

# The trend charts show this many weeks before the current one.
TREND_WEEKS = 12
# The filters that scope the whole dashboard, as the use-case list names them.
SCOPE_PARAMS = ("team", "product", "goal", "subgoals")
# The columns of the team table and the goal tree: one per status.
STATUS_COLUMNS = Status.choices
# The evidence panel's columns, best first; and the list's ``evidence_area`` value for "no area".
EVIDENCE_COLUMNS = (
    EvidenceStatus.ON_TRACK,
    EvidenceStatus.AT_RISK,
    EvidenceStatus.OFF_TRACK,
    EvidenceStatus.NO_DATA,
)


# --- Counts ------------------------------------------------------------------------------------


class Counts(dict):
    """Use-case counts by name: ``total``, each status value and each concern key."""

    @classmethod
    def zero(cls) -> Counts:
        return cls(dict.fromkeys(_COUNT_NAMES, 0))

    def __add__(self, other: Counts) -> Counts:
        return Counts({name: self.get(name, 0) + other.get(name, 0) for name in {*self, *other}})

    @property
    def signed_share(self) -> int | None:
        """Owned and signed, in percent of the active use cases (None when none is active)."""
        active = self.get(Status.ACTIVE.value, 0)
        return round(100 * self.get("signed", 0) / active) if active else None


_COUNT_NAMES = ("total", *Status.values, *CONCERNS)


def _count_columns(now: datetime) -> dict:
    columns = {"total": Count("pk")}
    for status in Status:
        columns[status.value] = Count("pk", filter=Q(status=status))
    for key, concern in CONCERNS.items():
        columns[key] = Count("pk", filter=concern.condition(now))
    return columns


def counts_by_team(usecases: QuerySet, *, now: datetime) -> dict[int, Counts]:
    """Every count for ``usecases``, per team: one grouped query."""
    rows = usecases.order_by().values("team_id").annotate(**_count_columns(now))
    return {row.pop("team_id"): Counts(row) for row in rows}


# --- The scope: what the filters select --------------------------------------------------------


def scope_data(params) -> dict[str, str]:
    """The dashboard's filters from a query string. "Include sub-goals" starts ticked: a leader who
    picks a goal sees everything that serves it unless they untick it."""
    data = {name: params.get(name, "") for name in SCOPE_PARAMS if params.get(name)}
    if not data.get("goal"):
        data["subgoals"] = "on"
    return data


@dataclass(frozen=True)
class Group:
    """A row of the dashboard's grouped count."""

    team_id: int
    goal_ids: frozenset[int]
    evidence_status: str
    measured: int  # of ``counts["total"]``, those awaiting sign-off or active
    counts: Counts


@dataclass
class DashboardScope:
    """The use cases the dashboard's filters select (``UseCaseFilter(...).qs``) and the filter
    values, which also decide the goals and products the gap tiles consider."""

    usecases: QuerySet
    team: Team | None = None
    product: Product | None = None
    goal: StrategicGoal | None = None
    subgoals: bool = False
    now: datetime = field(default_factory=timezone.now)

    @classmethod
    def from_filter(cls, filterset, *, now: datetime | None = None) -> DashboardScope:
        """From a bound ``UseCaseFilter``; filters that did not validate are left out, as the list
        leaves them out."""
        usecases = filterset.qs.order_by()
        cleaned = filterset.form.cleaned_data
        goal = cleaned.get("goal")
        return cls(
            usecases=usecases,
            team=cleaned.get("team"),
            product=cleaned.get("product"),
            goal=goal,
            subgoals=bool(goal and cleaned.get("subgoals")),
            now=now or timezone.now(),
        )

    @property
    def query(self) -> dict[str, str]:
        """The filters as the use-case list reads them: every drill-down link carries them."""
        query = {}
        if self.team:
            query["team"] = self.team.slug
        if self.product:
            query["product"] = self.product.slug
        if self.goal:
            query["goal"] = str(self.goal.pk)
            if self.subgoals:
                query["subgoals"] = "on"
        return query

    @property
    def querystring(self) -> str:
        return urlencode(self.query)

    @property
    def filtered(self) -> bool:
        return bool(self.team or self.product or self.goal)

    def list_url(self, **params) -> str:
        """The use-case list of this scope, narrowed by ``params`` (``status``, ``show``, ...)."""
        return _url("usecases:usecase_list", {**self.query, **params})

    def page_url(self, name: str) -> str:
        return _url(name, self.query)

    @property
    def dashboard_url(self) -> str:
        return self.page_url("usecases:dashboard")

    @property
    def description(self) -> str:
        """What the filters select, in words."""
        parts = []
        if self.team:
            parts.append(f"team {self.team.name}")
        if self.product:
            parts.append(f"product {self.product.name}")
        if self.goal:
            beneath = " and its sub-goals" if self.subgoals else " (linked directly)"
            parts.append(f"goal “{self.goal.title}”{beneath}")
        return "Use cases of " + ", ".join(parts) if parts else "All use cases"

    @cached_property
    def grouped(self) -> list[Group]:
        """Every count, per team, set of goals served and evidence status: one grouped query, one
        pass over the covering index. The groups are few (teams times the goal combinations in
        use times four statuses), however many use cases there are."""
        rows = (
            self.usecases.values("team_id", "goal_ids", "evidence_status")
            .annotate(
                **_count_columns(self.now),
                measured=Count("pk", filter=Q(status__in=MEASURABLE_STATUSES)),
            )
            .order_by()
        )
        return [
            Group(
                team_id=row.pop("team_id"),
                goal_ids=frozenset(row.pop("goal_ids")),
                evidence_status=row.pop("evidence_status"),
                measured=row.pop("measured"),
                counts=Counts(row),
            )
            for row in rows
        ]

    @cached_property
    def product_sets(self) -> list[dict]:
        """Per set of products the use cases run on: how many are open (``live``) and how many
        measured ones have each evidence status. One grouped query over the covering index."""
        measured = Q(status__in=MEASURABLE_STATUSES)
        return list(
            self.usecases.values("product_ids")
            .annotate(
                live=Count("pk", filter=Q(status__in=LIVE_STATUSES)),
                **{
                    status.value: Count("pk", filter=measured & Q(evidence_status=status))
                    for status in EvidenceStatus
                },
            )
            .order_by()
        )

    @cached_property
    def products(self) -> dict[int, Product]:
        """Every product by id (one query); products are few."""
        return {
            product.pk: product
            for product in Product.objects.select_related("team", "manager").order_by("name")
        }

    @cached_property
    def by_team(self) -> dict[int, Counts]:
        by_team: dict[int, Counts] = {}
        for group in self.grouped:
            by_team[group.team_id] = by_team.get(group.team_id, Counts.zero()) + group.counts
        return by_team

    @cached_property
    def totals(self) -> Counts:
        return sum(self.by_team.values(), Counts.zero())

    @cached_property
    def by_goal_set(self) -> dict[frozenset[int], Counts]:
        by_goal_set: dict[frozenset[int], Counts] = {}
        for group in self.grouped:
            by_goal_set[group.goal_ids] = (
                by_goal_set.get(group.goal_ids, Counts.zero()) + group.counts
            )
        return by_goal_set

    @cached_property
    def goals(self) -> list[StrategicGoal]:
        """Every goal (one query); the hierarchy is small."""
        return list(StrategicGoal.objects.select_related("owner").order_by("title"))


def _url(name: str, params: dict) -> str:
    url = reverse(name)
    return f"{url}?{urlencode(params)}" if params else url


# --- Panels ------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class WaitingAges:
    oldest_review: datetime | None
    oldest_sign_off: datetime | None


def waiting_ages(scope: DashboardScope) -> WaitingAges:
    """When the longest-waiting open review began, and the longest-waiting sign-off request (the
    approval, or the ownership transfer if one is open): one query."""
    open_review = Review.objects.filter(usecase_id=OuterRef("pk"), decided_at__isnull=True)
    row = (
        scope.usecases.filter(status__in=[Status.IN_REVIEW, Status.AWAITING_SIGN_OFF])
        .annotate(
            waiting_since=Case(
                When(
                    status=Status.IN_REVIEW,
                    then=Subquery(open_review.values("submitted_at")[:1]),
                ),
                default=sign_off_requested_at(),
                output_field=DateTimeField(),
            )
        )
        .aggregate(
            review=Min("waiting_since", filter=Q(status=Status.IN_REVIEW)),
            sign_off=Min("waiting_since", filter=Q(status=Status.AWAITING_SIGN_OFF)),
        )
    )
    return WaitingAges(oldest_review=row["review"], oldest_sign_off=row["sign_off"])


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return ""
    days = (now - since).days
    if days < 1:
        return "oldest waiting less than a day"
    return f"oldest waiting {days} day{'' if days == 1 else 's'}"


def tiles_panel(scope: DashboardScope) -> list[Tile]:
    """The headline counts, each linking to the list it counts."""
    counts = scope.totals
    ages = waiting_ages(scope)
    active = counts[Status.ACTIVE]
    share = counts.signed_share
    unserved = len(unserved_goals(scope))
    unused = len(unused_products(scope))
    return [
        Tile(
            "active",
            "Active use cases",
            active,
            scope.list_url(status=Status.ACTIVE),
            hint="Reviewed, approved and signed off by their owner.",
        ),
        Tile(
            "signed",
            "Owned and signed",
            counts["signed"],
            scope.list_url(show="signed"),
            headline=f"{share}%" if share is not None else "—",
            note=f"{counts['signed']:,} of {active:,} active",
            hint="Active with a current, unexpired sign-off by their owner.",
            tone="neutral" if share is None else ("success" if share >= 80 else "warning"),
        ),
        Tile(
            "unowned_draft",
            "Drafts without an owner",
            counts["unowned_draft"],
            scope.list_url(show="unowned_draft"),
            tone=_problem_tone(counts["unowned_draft"]),
        ),
        Tile(
            "in_review",
            "Awaiting review",
            counts[Status.IN_REVIEW],
            scope.list_url(status=Status.IN_REVIEW),
            note=_age(ages.oldest_review, scope.now),
        ),
        Tile(
            "awaiting_sign_off",
            "Awaiting sign-off",
            counts[Status.AWAITING_SIGN_OFF],
            scope.list_url(status=Status.AWAITING_SIGN_OFF),
            note=_age(ages.oldest_sign_off, scope.now),
        ),
        Tile(
            "overdue",
            "Attestation overdue",
            counts["overdue"],
            scope.list_url(show="overdue"),
            hint="Active, but the owner's sign-off has expired.",
            tone=_problem_tone(counts["overdue"], danger=True),
        ),
        Tile(
            "due_soon",
            "Attestation due within 30 days",
            counts["due_soon"],
            scope.list_url(show="due_soon"),
            tone=_problem_tone(counts["due_soon"]),
        ),
        Tile(
            "owner_gone",
            "Owner deactivated or not in the team",
            counts["owner_gone"],
            scope.list_url(show="owner_gone"),
            hint="Open use cases whose owner has left or is not a member of the owning team.",
            tone=_problem_tone(counts["owner_gone"], danger=True),
        ),
        Tile(
            "changed",
            "Changed since sign-off",
            counts["changed"],
            scope.list_url(show="changed"),
            hint="What the owner signed differs from the text now: it needs review and a new "
            "sign-off.",
            tone=_problem_tone(counts["changed"]),
        ),
        Tile(
            "no_goal",
            "Linked to no goal",
            counts["no_goal"],
            scope.list_url(show="no_goal"),
            hint="Open use cases that serve no strategic goal.",
            tone=_problem_tone(counts["no_goal"]),
        ),
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
        Tile(
            "off_track",
            "Success signals off track",
            counts["off_track"],
            scope.list_url(show="off_track"),
            tone=_problem_tone(counts["off_track"], danger=True),
        ),
    ]


@dataclass(frozen=True)
class Cell:
    count: int
    url: str
    label: str  # the column's heading, for narrow screens

    @property
    def shown(self) -> str:
        return f"{self.count:,}"


@dataclass(frozen=True)
class RollupRow:
    """A row of the team table or the goal tree: counts per status, signed share, overdue; each
    count links to the list it counts (``cells`` in ``Status`` order)."""

    counts: Counts
    total: Cell
    cells: tuple[Cell, ...]
    signed: Cell
    overdue: Cell
    name: str = ""
    url: str = ""  # the team's or goal's own page
    depth: int = 0
    muted: bool = False
    note: str = ""


def _rollup_row(
    counts: Counts, list_url: Callable[..., str], *, row_class=RollupRow, **fields
) -> RollupRow:
    return row_class(
        counts=counts,
        total=Cell(counts["total"], list_url(), "All"),
        cells=tuple(
            Cell(counts[status.value], list_url(status=status.value), status.label)
            for status in Status
        ),
        signed=Cell(counts["signed"], list_url(show="signed"), "Owned and signed"),
        overdue=Cell(counts["overdue"], list_url(show="overdue"), "Attestation overdue"),
        **fields,
    )


@dataclass(frozen=True)
class TeamsPanel:
    rows: list[RollupRow]
    total: RollupRow


def teams_panel(scope: DashboardScope) -> TeamsPanel:
    """A row per team (the filtered team, or every team that is not archived or has use cases in
    scope) and a total: the team query plus the grouped counts the tiles use."""
    by_team = scope.by_team
    teams = Team.objects.filter(Q(is_archived=False) | Q(pk__in=list(by_team))).order_by("name")
    if scope.team:
        teams = teams.filter(pk=scope.team.pk)
    rows = []
    for team in teams:
        params = {**scope.query, "team": team.slug}
        rows.append(
            _rollup_row(
                by_team.get(team.pk, Counts.zero()),
                lambda params=params, **extra: _url("usecases:usecase_list", {**params, **extra}),
                name=team.name,
                url=team.get_absolute_url(),
                muted=team.is_archived,
                note="archived" if team.is_archived else "",
            )
        )
    return TeamsPanel(rows=rows, total=_rollup_row(scope.totals, scope.list_url, name="All teams"))


def _children(goals: list[StrategicGoal]) -> dict[int | None, list[StrategicGoal]]:
    children: dict[int | None, list[StrategicGoal]] = {}
    for goal in goals:
        children.setdefault(goal.parent_id, []).append(goal)
    return children


def _subtree_ids(goal_id: int, children: dict) -> frozenset[int]:
    found, stack = set(), [goal_id]
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(child.pk for child in children.get(pk, []))
    return frozenset(found)


@dataclass(frozen=True)
class GoalRow(RollupRow):
    goal: StrategicGoal | None = None


def goal_tree_panel(scope: DashboardScope) -> list[GoalRow]:
    """The goals in scope as a tree (the filtered goal and, with sub-goals, everything beneath it;
    otherwise every goal), each with the roll-up of the use cases serving it or any goal beneath
    it, each counted once."""
    children = _children(scope.goals)
    if scope.goal:
        roots = [goal for goal in scope.goals if goal.pk == scope.goal.pk]
    else:
        known = {goal.pk for goal in scope.goals}
        roots = [goal for goal in scope.goals if goal.parent_id not in known]
    rows: list[GoalRow] = []

    def visit(goal: StrategicGoal, depth: int) -> None:
        subtree = _subtree_ids(goal.pk, children)
        counts = sum(
            (counts for goal_ids, counts in scope.by_goal_set.items() if goal_ids & subtree),
            Counts.zero(),
        )
        if scope.goal and not scope.subgoals:
            params = scope.query  # the goal alone, as filtered
        else:
            params = {**scope.query, "goal": str(goal.pk), "subgoals": "on"}
        rows.append(
            _rollup_row(
                counts,
                lambda **extra: _url("usecases:usecase_list", {**params, **extra}),
                name=goal.title,
                url=goal.get_absolute_url(),
                depth=depth,
                muted=goal.status == GoalStatus.DROPPED,
                note=goal.get_status_display() if goal.status != GoalStatus.ACTIVE else "",
                goal=goal,
                row_class=GoalRow,
            )
        )
        if not scope.goal or scope.subgoals:
            for child in children.get(goal.pk, []):
                visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    return rows


def unserved_goals(scope: DashboardScope) -> list[GoalRow]:
    """Goals in the tree, not dropped, with no active use case in scope serving them or a goal
    beneath them."""
    return [
        row
        for row in goal_tree_panel(scope)
        if not row.muted and row.counts[Status.ACTIVE.value] == 0
    ]


def unused_products(scope: DashboardScope) -> list[Product]:
    """Products in use (not archived, not retired) in scope (the filtered team's, or the filtered
    product) that no open use case in scope runs on, by name."""
    used = {pk for row in scope.product_sets if row["live"] for pk in row["product_ids"]}
    return [
        product
        for product in scope.products.values()
        if not product.is_archived
        and product.lifecycle != ProductLifecycle.RETIRED
        and (not scope.team or product.team_id == scope.team.pk)
        and (not scope.product or product.pk == scope.product.pk)
        and product.pk not in used
    ]


# --- Evidence ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    """Use cases whose metric is measured (awaiting sign-off or active), per evidence status;
    each count links to the list of exactly those use cases (``cells`` in ``EVIDENCE_COLUMNS``
    order)."""

    name: str
    cells: tuple[Cell, ...]
    url: str = ""  # the product's or goal's own page
    muted: bool = False
    note: str = ""

    @property
    def total(self) -> int:
        return sum(cell.count for cell in self.cells)


@dataclass(frozen=True)
class EvidencePanel:
    areas: list[EvidenceRow]
    products: list[EvidenceRow]
    goals: list[EvidenceRow]
    columns: tuple = EVIDENCE_COLUMNS

    @property
    def headings(self) -> list[tuple[str, str]]:
        return [(status.label, EVIDENCE_TONES[status]) for status in self.columns]


def _evidence_row(name: str, counts: dict, params: dict, **fields) -> EvidenceRow:
    return EvidenceRow(
        name=name,
        cells=tuple(
            Cell(
                counts.get(status.value, 0),
                _url("usecases:usecase_list", {**params, "evidence": status.value}),
                status.label,
            )
            for status in EVIDENCE_COLUMNS
        ),
        **fields,
    )


def _tally(rows, key: str, status: str = "evidence_status") -> dict:
    """``{key value: {evidence status: count}}`` from grouped rows."""
    tally: dict = {}
    for row in rows:
        tally.setdefault(row[key], {})[row[status]] = row["n"]
    return tally


def evidence_panel(scope: DashboardScope) -> EvidencePanel:
    """Evidence statuses of the measured use cases in scope, rolled up per evidence area, per
    product and per goal (linked directly: a goal counts the use cases naming it, not those of its
    sub-goals). Products and goals come from the dashboard's grouped counts; the areas are one
    grouped query; names come from ``scope.products`` and ``scope.goals``, loaded anyway.

    A row's links keep the dashboard's filters and narrow them to the row: a product row replaces
    the product filter (so only the filtered product has a row), a goal row replaces the goal
    filter (so only the filtered goal, or with sub-goals its subtree, has rows)."""
    measured = scope.usecases.filter(status__in=MEASURABLE_STATUSES)
    by_area = _tally(
        measured.values("evidence_area", "evidence_status").annotate(n=Count("pk")).order_by(),
        "evidence_area",
    )
    areas = [
        _evidence_row(
            label, by_area.get(value, {}), {**scope.query, "evidence_area": value or NO_AREA}
        )
        for value, label in [*EvidenceArea.choices, ("", "No area")]
    ]

    by_product: dict[int, dict[str, int]] = {}
    for row in scope.product_sets:
        for pk in row["product_ids"]:
            if scope.product and pk != scope.product.pk:
                continue
            tally = by_product.setdefault(pk, {})
            for status in EvidenceStatus:
                tally[status.value] = tally.get(status.value, 0) + row[status.value]
    products = [
        _evidence_row(
            product.name,
            by_product[pk],
            {**scope.query, "product": product.slug},
            url=product.get_absolute_url(),
        )
        for pk, product in sorted(scope.products.items(), key=lambda item: item[1].name.lower())
        if sum(by_product.get(pk, {}).values())
    ]

    allowed = None
    if scope.goal:
        children = _children(scope.goals)
        allowed = _subtree_ids(scope.goal.pk, children) if scope.subgoals else {scope.goal.pk}
    by_goal: dict[int, dict[str, int]] = {}
    for group in scope.grouped:
        if not group.measured:
            continue
        for pk in group.goal_ids:
            if allowed is None or pk in allowed:
                tally = by_goal.setdefault(pk, {})
                tally[group.evidence_status] = tally.get(group.evidence_status, 0) + group.measured
    base = {name: value for name, value in scope.query.items() if name != "subgoals"}
    goals = [
        _evidence_row(
            goal.title,
            by_goal[goal.pk],
            {**base, "goal": str(goal.pk)},
            url=goal.get_absolute_url(),
            muted=goal.status == GoalStatus.DROPPED,
            note=goal.get_status_display() if goal.status != GoalStatus.ACTIVE else "",
        )
        for goal in scope.goals
        if goal.pk in by_goal
    ]
    return EvidencePanel(areas=areas, products=products, goals=goals)


# --- Trends --------------------------------------------------------------------------------------

# The weekly series, as (count name, label); the signed share has a chart of its own.
TREND_SERIES = [
    ("active", "Active"),
    ("overdue", "Attestation overdue"),
    ("unowned_draft", "Drafts without an owner"),
    ("off_track", "Off track"),
]
SHARE_LABEL = "Owned and signed (% of active)"


@dataclass(frozen=True)
class TrendPoint:
    taken_on: date
    counts: dict

    @property
    def signed_share(self) -> int | None:
        return Counts(self.counts).signed_share

    def get(self, name: str):
        return self.counts.get(name, 0)


@dataclass(frozen=True)
class Trends:
    points: list[TrendPoint]
    counts_chart: charts.LineChart
    share_chart: charts.LineChart
    team: Team | None
    backfilled_until: date | None  # the last week that is demo back-fill, if any
    series: list[tuple[str, str]]

    @property
    def rows(self) -> list[tuple[date, list, int | None]]:
        """The data table: per week, the counts in series order and the signed share."""
        return [
            (point.taken_on, [point.get(name) for name, _ in self.series], point.signed_share)
            for point in self.points
        ]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def trends_panel(scope: DashboardScope, *, today: date | None = None) -> Trends:
    """The key counts week by week (the latest snapshot in each week) for the last
    ``TREND_WEEKS`` weeks and this one, org-wide or for the filtered team: one query. Snapshots
    are taken per team, so the product and goal filters do not apply here."""
    today = today or timezone.localdate(scope.now)
    since = _monday(today) - timedelta(weeks=TREND_WEEKS)
    snapshots = OwnershipSnapshot.objects.filter(
        team=scope.team, taken_on__gte=since, taken_on__lte=today
    ).order_by("taken_on")
    weekly: dict[date, OwnershipSnapshot] = {}
    for snapshot in snapshots:
        weekly[_monday(snapshot.taken_on)] = snapshot  # the latest of the week wins
    points = [TrendPoint(snapshot.taken_on, snapshot.counts) for snapshot in weekly.values()]
    backfilled = [point.taken_on for point in points if point.counts.get("demo_backfill")]
    where = scope.team.name if scope.team else "the whole organisation"
    first_last = (
        f"from {date_format(points[0].taken_on, 'j M Y')} to {date_format(points[-1].taken_on, 'j M Y')}"
        if points
        else "none recorded yet"
    )
    counts_chart = charts.line_chart(
        [
            charts.Series(label, [(point.taken_on, point.get(name)) for point in points], key=name)
            for name, label in TREND_SERIES
        ],
        width=720,
        height=280,
        y_label="Use cases",
        x_label="Week",
        title=f"Key counts per week, {where}",
        description=f"Weekly counts {first_last}: "
        + "; ".join(
            f"{label} {points[0].get(name)} to {points[-1].get(name)}"
            for name, label in TREND_SERIES
            if points
        ),
        include_zero=True,
        x_ticks=7,
        empty_text="No weekly snapshots yet: they are taken by manage.py take_ownership_snapshot.",
        chart_id="trend-counts",
    )
    shares = [(point.taken_on, point.signed_share) for point in points]
    share_chart = charts.line_chart(
        [
            charts.Series(
                SHARE_LABEL,
                [(on, share) for on, share in shares if share is not None],
                key="signed_share",
            )
        ],
        width=720,
        height=220,
        y_label="Percent",
        x_label="Week",
        title=f"Share of active use cases owned and signed, per week, {where}",
        description=(
            f"Weekly share {first_last}: from {shares[0][1] if shares[0][1] is not None else 'none'}%"
            f" to {shares[-1][1] if shares[-1][1] is not None else 'none'}%."
            if shares
            else "No weekly snapshots yet."
        ),
        value_format=lambda value: f"{value:.0f}%",
        include_zero=True,
        x_ticks=7,
        empty_text="No weekly snapshots yet.",
        chart_id="trend-share",
    )
    return Trends(
        points=points,
        counts_chart=counts_chart,
        share_chart=share_chart,
        team=scope.team,
        backfilled_until=max(backfilled) if backfilled else None,
        series=TREND_SERIES,
    )


# --- Snapshots: the service, and the demo's back-fill -----------------------------------------


def _snapshot_counts(*, now: datetime) -> dict[int | None, Counts]:
    """Today's counts per team (every team that is not archived, and any with use cases) and for
    the whole organisation (key None)."""
    by_team = counts_by_team(UseCase.objects.all(), now=now)
    team_ids = set(Team.objects.active().values_list("pk", flat=True)) | set(by_team)
    counts: dict[int | None, Counts] = {
        team_id: by_team.get(team_id, Counts.zero()) for team_id in team_ids
    }
    counts[None] = sum(by_team.values(), Counts.zero())
    return counts


def ownership_snapshot_take(*, today: date | None = None) -> list[OwnershipSnapshot]:
    """Record the dashboard's key counts as they stand now, org-wide and per team, under
    ``today``. Idempotent per day: taken again the same day, the day's snapshots are updated, never
    duplicated."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    taken = []
    with transaction.atomic():
        for team_id, counts in _snapshot_counts(now=now).items():
            snapshot, _ = OwnershipSnapshot.objects.update_or_create(
                taken_on=today, team_id=team_id, defaults={"counts": dict(counts)}
            )
            taken.append(snapshot)
    return taken


# DEMO DATA ONLY: the marker on back-filled snapshots (the charts say which weeks are invented).
BACKFILL_MARK = "demo_backfill"


def _backfill(counts: Counts, *, weeks_ago: int, weeks: int, rng: random.Random) -> dict:
    """Invented counts for ``weeks_ago`` weeks before ``counts``: fewer active use cases and a
    lower signed share further back, more drafts without an owner, a little week-to-week noise.
    The invented numbers keep the real ones' relations (signed + overdue <= active, ...)."""
    back = weeks_ago / weeks  # 0 now, 1 at the oldest week

    def wobble(value: float, spread: float = 1.0) -> int:
        return max(0, round(value + rng.uniform(-spread, spread)))

    active = wobble(counts[Status.ACTIVE] * (1 - 0.35 * back), 0.6)
    share_now = counts["signed"] / counts[Status.ACTIVE] if counts[Status.ACTIVE] else 0.8
    share = min(1.0, max(0.0, share_now - 0.3 * back + rng.uniform(-0.04, 0.04)))
    signed = min(active, round(active * share))
    overdue = min(active - signed, wobble(counts["overdue"] * (1 + 0.5 * back), 0.6))
    due_soon = min(active - signed - overdue, wobble(counts["due_soon"], 0.6))
    draft = wobble(counts[Status.DRAFT] * (1 + 0.3 * back), 0.6)
    unowned = min(draft, wobble(counts["unowned_draft"] * (1 + 0.8 * back), 0.6))
    statuses = {
        Status.DRAFT.value: draft,
        Status.IN_REVIEW.value: wobble(counts[Status.IN_REVIEW], 0.8),
        Status.AWAITING_SIGN_OFF.value: wobble(counts[Status.AWAITING_SIGN_OFF], 0.8),
        Status.ACTIVE.value: active,
        Status.DECLINED.value: wobble(counts[Status.DECLINED] * (1 - 0.3 * back), 0.4),
        Status.RETIRED.value: wobble(counts[Status.RETIRED] * (1 - 0.5 * back), 0.4),
    }
    measured = active + statuses[Status.AWAITING_SIGN_OFF.value]
    live = sum(statuses[status] for status in LIVE_STATUSES)
    return {
        "total": sum(statuses.values()),
        **statuses,
        "signed": signed,
        "unowned_draft": unowned,
        "overdue": overdue,
        "due_soon": due_soon,
        "owner_gone": min(live, wobble(counts["owner_gone"], 0.5)),
        "no_goal": min(live, wobble(counts["no_goal"] * (1 + 0.5 * back), 0.5)),
        "off_track": min(measured, wobble(counts["off_track"] * (1 + 0.4 * back), 0.6)),
        BACKFILL_MARK: 1,
    }


def seed_snapshots(weeks: int = TREND_WEEKS, *, today: date | None = None) -> int:
    """DEMO DATA ONLY. Take today's real snapshot, then back-fill one per week for the ``weeks``
    weeks before it, invented from today's counts (see ``_backfill``) and marked ``demo_backfill``
    so the dashboard says so. A week that already has a snapshot keeps it, so reseeding is safe.
    Returns how many snapshots were back-filled."""
    today = today or timezone.localdate()
    current = {
        snapshot.team_id: Counts(snapshot.counts)
        for snapshot in ownership_snapshot_take(today=today)
    }
    days = [today - timedelta(weeks=k) for k in range(1, weeks + 1)]
    existing = set(
        OwnershipSnapshot.objects.filter(taken_on__in=days).values_list("taken_on", "team_id")
    )
    created = []
    for weeks_ago, day in enumerate(days, start=1):
        organisation = Counts()
        for team_id, counts in sorted(
            ((team_id, counts) for team_id, counts in current.items() if team_id is not None),
            key=lambda item: item[0],
        ):
            rng = random.Random(f"{team_id}:{day.isoformat()}")
            invented = _backfill(counts, weeks_ago=weeks_ago, weeks=weeks, rng=rng)
            organisation += Counts(invented)
            if (day, team_id) not in existing:
                created.append(OwnershipSnapshot(taken_on=day, team_id=team_id, counts=invented))
        if (day, None) not in existing:
            organisation[BACKFILL_MARK] = 1
            created.append(OwnershipSnapshot(taken_on=day, team_id=None, counts=dict(organisation)))
    OwnershipSnapshot.objects.bulk_create(created)
    return len(created)
