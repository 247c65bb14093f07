"""The dashboard's tables: the team table and the goal tree (counts per status, signed share,
overdue; each count links to the list it counts; a large organisation's opened within
``settings.DASHBOARD_TABLE_ROWS``, see ``trees``), the goals no active use case serves, the
products none runs on, and the rows of the evidence panel (``evidence``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from portfolio.choices import GoalStatus, ProductLifecycle
from portfolio.models import StrategicGoal, Team
from usecases.choices import EvidenceStatus, LifecycleStage, Status
from usecases.dashboard.counts import (
    TOTAL,
    Counts,
    count_row,
    counts_of_row,
    stage_key,
    sum_rows,
)
from usecases.dashboard.rows import GoalItem, ProductItem, QueryURL, detail_url, url_with_query
from usecases.dashboard.scope import DashboardScope, subtree_ids
from usecases.dashboard.trees import open_tree, table_rows

# The list every count links to.
LIST = "usecases:usecase_list"


# The columns of the team table and the goal tree: one per status, as (value, label) pairs (read
# thousands of times a page: an enum member's ``value`` and ``label`` are looked up each time).
STATUS_COLUMNS = Status.choices
# The evidence panel's columns, best first.
EVIDENCE_COLUMNS = (
    EvidenceStatus.ON_TRACK,
    EvidenceStatus.AT_RISK,
    EvidenceStatus.OFF_TRACK,
    EvidenceStatus.NO_DATA,
)


class Cell(NamedTuple):
    """A count and the list it counts: a plain tuple (a large dashboard holds some 1,500, and a
    frozen dataclass is three times as slow to make)."""

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
    drill_url: str = ""  # the dashboard narrowed to the row, where its hidden children show
    drill_label: str = ""  # "12 sub-units"


def _rollup_row(
    counts: Counts, list_url: Callable[..., str], *, row_class=RollupRow, **fields
) -> RollupRow:
    return row_class(
        counts=counts,
        total=Cell(counts["total"], list_url(), "All"),
        cells=tuple(
            Cell(counts[value], list_url(status=value), label) for value, label in STATUS_COLUMNS
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
    tops_left_out: int = 0  # top-level units beyond the table's bound


def teams_panel(scope: DashboardScope) -> TeamsPanel:
    """The organisation units as a tree (the filtered team and, with its sub-units, every unit
    beneath it; otherwise every team that is not archived or has use cases in scope), each
    counting the use cases of its own and of every unit beneath it, opened breadth-first within
    the table's bound (``trees``); and a total. From ``scope.teams`` and the grouped counts the
    tiles use: no query per unit."""
    children = scope.team_children
    rolled, kept = _rolled_up(scope.teams, children, scope.by_team)

    def below(team: Team) -> list[Team]:
        if scope.team and not scope.subunits:
            return []
        return [child for child in children.get(team.pk, []) if kept[child.pk]]

    tops = (
        [scope.team] if scope.team else [team for team in children.get(None, []) if kept[team.pk]]
    )
    tree = open_tree(
        tops, below, lambda team: rolled[team.pk][TOTAL], table_rows(), open_top=bool(scope.team)
    )
    rows = [
        _team_row(scope, team, counts_of_row(rolled[team.pk]), depth, tree.closed.get(team.pk, 0))
        for team, depth in tree.rows
    ]
    total = _rollup_row(scope.totals, QueryURL(LIST, scope.query), name="All teams")
    return TeamsPanel(rows=rows, total=total, tops_left_out=tree.tops_left_out)


def _rolled_up(teams, children: dict, by_team: dict) -> tuple[dict[int, tuple], dict[int, bool]]:
    """Each unit's roll-up (its own counts and every unit's beneath it, as a ``count_row``) and
    whether it has a row (not archived, or counting use cases, or a unit beneath it has a row),
    in one walk, children before their parents. A walk, not a recursive function: a function
    calling itself by name is a reference cycle, which would keep every count it reached until
    the garbage collector ran. Units whose parents form a loop (only raw data can hold one) each
    count every unit the loop reaches, as the list filtered by one of them does."""
    rolled: dict[int, tuple] = {}
    kept: dict[int, bool] = {}
    entered: set[int] = set()
    looped = False
    for root in teams:
        stack = [(root, False)]
        while stack:
            team, children_done = stack.pop()
            below = children.get(team.pk, [])
            if children_done:
                done = [child.pk for child in below if child.pk in rolled]
                looped = looped or len(done) < len(below)  # a child above it, on this walk
                own = [count_row(by_team[team.pk])] if team.pk in by_team else []
                rolled[team.pk] = sum_rows([*own, *(rolled[pk] for pk in done)])
                kept[team.pk] = (
                    not team.is_archived
                    or rolled[team.pk][TOTAL] > 0
                    or any(kept[pk] for pk in done)
                )
            elif team.pk not in entered:
                entered.add(team.pk)
                stack.append((team, True))
                stack.extend((child, False) for child in below if child.pk not in entered)
    return _rolled_through_loops(teams, children, by_team) if looped else (rolled, kept)


def _rolled_through_loops(teams, children: dict, by_team: dict):
    """``_rolled_up`` where parents form a loop: each unit's counts summed over every unit
    beneath it (``subtree_ids``, which goes once round a loop), a unit at a time."""
    archived = {team.pk: team.is_archived for team in teams}
    rolled: dict[int, tuple] = {}
    beneath: dict[int, frozenset[int]] = {}
    for team in teams:
        beneath[team.pk] = subtree_ids(team.pk, children)
        rolled[team.pk] = sum_rows(
            [count_row(by_team[pk]) for pk in beneath[team.pk] if pk in by_team]
        )
    kept = {
        pk: any(not archived[unit] or rolled[unit][TOTAL] > 0 for unit in units)
        for pk, units in beneath.items()
    }
    return rolled, kept


def _team_row(scope: DashboardScope, team: Team, counts: Counts, depth: int, closed: int):
    """A unit's row. Its links narrow the dashboard's filters to the unit, its sub-units included
    (the list's default), or keep the filtered team alone, as filtered; a unit whose sub-units
    are not shown links to the dashboard of the unit, where they are."""
    params = {**scope.query, "team": team.slug}
    return _rollup_row(
        counts,
        QueryURL(LIST, params),
        name=team.name,
        url=detail_url(team),
        depth=depth,
        muted=team.is_archived,
        note="archived" if team.is_archived else "",
        **_drill_down(params, closed, "sub-unit"),
    )


def _drill_down(params: dict, closed: int, noun: str) -> dict:
    """A row's link to the dashboard narrowed to it, when its ``closed`` children are not shown."""
    if not closed:
        return {}
    return {
        "drill_url": url_with_query("usecases:dashboard", params),
        "drill_label": f"{closed:,} {noun}{'' if closed == 1 else 's'}",
    }


@dataclass(frozen=True)
class GoalRow(RollupRow):
    goal: StrategicGoal | GoalItem | None = None


@dataclass(frozen=True)
class TreePanel:
    """A table's rows (iterating the panel iterates them), and how many of the tops it leaves
    out."""

    rows: list
    tops_left_out: int = 0

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def goal_tree_panel(scope: DashboardScope) -> TreePanel:
    """The goals in scope as a tree (``scope.goal_tops`` and ``goals_below``), each with the
    roll-up of the use cases serving it or any goal beneath it, each counted once; opened
    breadth-first within the table's bound (``trees``)."""
    rollups = scope.goal_rollups
    tree = open_tree(
        scope.goal_tops,
        scope.goals_below,
        lambda goal: rollups[goal.pk]["total"],
        table_rows(),
        open_top=bool(scope.goal),
    )
    rows = [_goal_row(scope, goal, depth, tree.closed.get(goal.pk, 0)) for goal, depth in tree.rows]
    return TreePanel(rows=rows, tops_left_out=tree.tops_left_out)


def _goal_row(scope: DashboardScope, goal: StrategicGoal, depth: int, closed: int = 0) -> GoalRow:
    if scope.goal and not scope.subgoals:
        params = scope.query  # the goal alone, as filtered
    else:
        params = {**scope.query, "goal": str(goal.pk), "subgoals": "on"}
    return _rollup_row(
        scope.goal_rollups[goal.pk],
        QueryURL(LIST, params),
        name=goal.title,
        url=detail_url(goal),
        depth=depth,
        muted=goal.status == GoalStatus.DROPPED,
        note=goal.get_status_display() if goal.status != GoalStatus.ACTIVE else "",
        goal=goal,
        row_class=GoalRow,
        **_drill_down(params, closed, "sub-goal"),
    )


def _unserved(scope: DashboardScope) -> list[tuple[StrategicGoal, int]]:
    rollups = scope.goal_rollups
    return [
        (goal, depth)
        for goal, depth in scope.goal_tree
        if goal.status != GoalStatus.DROPPED and rollups[goal.pk][Status.ACTIVE.value] == 0
    ]


def unserved_goal_count(scope: DashboardScope) -> int:
    """How many goals ``unserved_goals`` lists, without building their rows."""
    return len(_unserved(scope))


def unserved_goals(scope: DashboardScope) -> list[GoalRow]:
    """Goals in the tree, not dropped, with no active use case in scope serving them or a goal
    beneath them, in tree order."""
    return [_goal_row(scope, goal, depth) for goal, depth in _unserved(scope)]


def unused_products(scope: DashboardScope) -> list[ProductItem]:
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
