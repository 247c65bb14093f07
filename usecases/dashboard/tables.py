"""The dashboard's tables: the team table and the goal tree (counts per status, signed share,
overdue; each count links to the list it counts), the goals no active use case serves, the
products none runs on, and the evidence panel (evidence statuses per area, product and goal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portfolio.choices import GoalStatus, ProductLifecycle
from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import (
    EVIDENCE_TONES,
    EvidenceArea,
    EvidenceStatus,
    LifecycleStage,
    Status,
)
from usecases.concerns import NO_AREA
from usecases.dashboard.scope import (
    Counts,
    DashboardScope,
    QueryURL,
    children_of,
    detail_url,
    stage_key,
    subtree_ids,
)

# The list every count links to.
LIST = "usecases:usecase_list"


# The columns of the team table and the goal tree: one per status.
STATUS_COLUMNS = Status.choices
# The evidence panel's columns, best first.
EVIDENCE_COLUMNS = (
    EvidenceStatus.ON_TRACK,
    EvidenceStatus.AT_RISK,
    EvidenceStatus.OFF_TRACK,
    EvidenceStatus.NO_DATA,
)


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


def stages_panel(scope: DashboardScope) -> list[Cell]:
    """The use cases in scope per lifecycle stage, each count linking to the list of that stage:
    read from the grouped counts the tiles use, no query of its own."""
    return [
        Cell(scope.totals[stage_key(stage)], scope.list_url(stage=stage.value), stage.label)
        for stage in LifecycleStage
    ]


@dataclass(frozen=True)
class TeamsPanel:
    rows: list[RollupRow]
    total: RollupRow


def teams_panel(scope: DashboardScope) -> TeamsPanel:
    """The organisation units as a tree (the filtered team and, with its sub-units, every unit
    beneath it; otherwise every team that is not archived or has use cases in scope), each
    counting the use cases of its own and of every unit beneath it; and a total. From
    ``scope.teams`` and the grouped counts the tiles use: no query per unit."""
    by_team = scope.by_team
    children = children_of(scope.teams)
    rolled: dict[int, Counts] = {}

    def rollup(team: Team) -> Counts:
        if team.pk not in rolled:
            rolled[team.pk] = sum(
                (rollup(child) for child in children.get(team.pk, [])),
                by_team.get(team.pk, Counts.zero()),
            )
        return rolled[team.pk]

    def shown(team: Team) -> bool:
        return (
            not team.is_archived
            or rollup(team)["total"] > 0
            or any(shown(child) for child in children.get(team.pk, []))
        )

    rows: list[RollupRow] = []

    def visit(team: Team, depth: int) -> None:
        # A row's links narrow the dashboard's filters to the unit, its sub-units included
        # (the list's default), or keep the filtered team alone, as filtered.
        params = {**scope.query, "team": team.slug}
        rows.append(
            _rollup_row(
                rollup(team),
                QueryURL(LIST, params),
                name=team.name,
                url=detail_url(team),
                depth=depth,
                muted=team.is_archived,
                note="archived" if team.is_archived else "",
            )
        )
        if not scope.team or scope.subunits:
            for child in children.get(team.pk, []):
                if shown(child):
                    visit(child, depth + 1)

    roots = [scope.team] if scope.team else [team for team in children.get(None, [])]
    for root in roots:
        if scope.team or shown(root):
            visit(root, 0)
    total = _rollup_row(scope.totals, QueryURL(LIST, scope.query), name="All teams")
    return TeamsPanel(rows=rows, total=total)


@dataclass(frozen=True)
class GoalRow(RollupRow):
    goal: StrategicGoal | None = None


def goal_tree_panel(scope: DashboardScope) -> list[GoalRow]:
    """The goals in scope as a tree (the filtered goal and, with sub-goals, everything beneath it;
    otherwise every goal), each with the roll-up of the use cases serving it or any goal beneath
    it, each counted once."""
    children = children_of(scope.goals)
    if scope.goal:
        roots = [goal for goal in scope.goals if goal.pk == scope.goal.pk]
    else:
        known = {goal.pk for goal in scope.goals}
        roots = [goal for goal in scope.goals if goal.parent_id not in known]
    rows: list[GoalRow] = []

    def visit(goal: StrategicGoal, depth: int) -> None:
        counts = scope.goal_rollup(subtree_ids(goal.pk, children), goal.pk)
        if scope.goal and not scope.subgoals:
            params = scope.query  # the goal alone, as filtered
        else:
            params = {**scope.query, "goal": str(goal.pk), "subgoals": "on"}
        rows.append(
            _rollup_row(
                counts,
                QueryURL(LIST, params),
                name=goal.title,
                url=detail_url(goal),
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
    """Products in use (not archived, not retired) in scope (the filtered team's, its sub-units'
    with them, or the filtered product) that no open use case in scope runs on, by name."""
    used = scope.product_evidence[1]
    return [
        product
        for product in scope.products.values()
        if not product.is_archived
        and product.lifecycle != ProductLifecycle.RETIRED
        and (not scope.team or product.team_id in scope.team_ids)
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
    list_url = QueryURL(LIST, params)
    return EvidenceRow(
        name=name,
        cells=tuple(
            Cell(counts.get(status.value, 0), list_url(evidence=status.value), status.label)
            for status in EVIDENCE_COLUMNS
        ),
        **fields,
    )


def evidence_panel(scope: DashboardScope) -> EvidencePanel:
    """Evidence statuses of the measured use cases in scope, rolled up per evidence area, per
    product and per goal (linked directly: a goal counts the use cases naming it, not those of its
    sub-goals). Products and goals come from the dashboard's grouped counts; the areas are one
    grouped query; names come from ``scope.products`` and ``scope.goals``, loaded anyway.

    A row's links keep the dashboard's filters and narrow them to the row: a product row replaces
    the product filter (so only the filtered product has a row), a goal row replaces the goal
    filter (so only the filtered goal, or with sub-goals its subtree, has rows)."""
    return EvidencePanel(
        areas=_evidence_area_rows(scope),
        products=_evidence_product_rows(scope),
        goals=_evidence_goal_rows(scope),
    )


def _evidence_area_rows(scope: DashboardScope) -> list[EvidenceRow]:
    """A row per evidence area and one for "no area": one grouped query."""
    by_area = scope.area_evidence
    return [
        _evidence_row(
            label, by_area.get(value, {}), {**scope.query, "evidence_area": value or NO_AREA}
        )
        for value, label in [*EvidenceArea.choices, ("", "No area")]
    ]


def _evidence_product_rows(scope: DashboardScope) -> list[EvidenceRow]:
    """A row per product some measured use case in scope runs on (only the filtered product's,
    with a product filter), by name."""
    by_product = {
        pk: tally
        for pk, tally in scope.product_evidence[0].items()
        if not scope.product or pk == scope.product.pk
    }
    return [
        _evidence_row(
            product.name,
            by_product[pk],
            {**scope.query, "product": product.slug},
            url=detail_url(product),
        )
        for pk, product in sorted(scope.products.items(), key=lambda item: item[1].name.lower())
        if sum(by_product.get(pk, {}).values())
    ]


def _evidence_goal_rows(scope: DashboardScope) -> list[EvidenceRow]:
    """A row per goal a measured use case in scope names (within the filtered goal or its
    subtree, with a goal filter), in the goals' order."""
    allowed = None
    if scope.goal:
        children = children_of(scope.goals)
        allowed = subtree_ids(scope.goal.pk, children) if scope.subgoals else {scope.goal.pk}
    by_goal = {
        pk: tally
        for pk, tally in scope.goal_evidence.items()
        if (allowed is None or pk in allowed) and sum(tally.values())
    }
    base = {name: value for name, value in scope.query.items() if name != "subgoals"}
    return [
        _evidence_row(
            goal.title,
            by_goal[goal.pk],
            {**base, "goal": str(goal.pk)},
            url=detail_url(goal),
            muted=goal.status == GoalStatus.DROPPED,
            note=goal.get_status_display() if goal.status != GoalStatus.ACTIVE else "",
        )
        for goal in scope.goals
        if goal.pk in by_goal
    ]
