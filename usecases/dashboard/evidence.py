"""The dashboard's evidence panel: the evidence statuses of the measured use cases in scope
(awaiting sign-off or active) per evidence area, per product and per goal; and the paged lists of
every product and goal row, which the panel links to when it shows only the
``settings.DASHBOARD_TABLE_ROWS`` with the most measured use cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.urls import reverse

from portfolio.choices import GoalStatus
from portfolio.models import StrategicGoal
from usecases.choices import EVIDENCE_TONES, EvidenceArea
from usecases.concerns import NO_AREA
from usecases.dashboard.rows import ProductItem, QueryURL, detail_url
from usecases.dashboard.scope import DashboardScope, subtree_ids
from usecases.dashboard.tables import EVIDENCE_COLUMNS, LIST, Cell, EvidenceRow
from usecases.dashboard.trees import largest, table_rows


@dataclass(frozen=True)
class EvidencePanel:
    areas: list[EvidenceRow]
    products: list[EvidenceRow]
    goals: list[EvidenceRow]
    product_count: int = 0  # the products with a row, shown or not
    goal_count: int = 0
    products_url: str = ""  # the page listing every product row
    goals_url: str = ""

    @property
    def headings(self) -> list[tuple[str, str]]:
        return evidence_headings()


def evidence_headings() -> list[tuple[str, str]]:
    """Each evidence column's heading and tone."""
    return [(status.label, EVIDENCE_TONES[status]) for status in EVIDENCE_COLUMNS]


# Each evidence column's value and label, read once (an enum member's are looked up at each read).
_EVIDENCE_CELLS = tuple((status.value, status.label) for status in EVIDENCE_COLUMNS)


def _evidence_row(name: str, counts: dict, params: dict, **fields) -> EvidenceRow:
    list_url = QueryURL(LIST, params)
    return EvidenceRow(
        name=name,
        cells=tuple(
            Cell(counts.get(value, 0), list_url(evidence=value), label)
            for value, label in _EVIDENCE_CELLS
        ),
        **fields,
    )


def evidence_panel(scope: DashboardScope) -> EvidencePanel:
    """Evidence statuses of the measured use cases in scope, rolled up per evidence area, per
    product and per goal (linked directly: a goal counts the use cases naming it, not those of its
    sub-goals). Products and goals come from the dashboard's grouped counts; the areas are one
    grouped query; names come from ``scope.products`` and ``scope.goals``, loaded anyway. Of
    many products or goals, the rows with the most measured use cases, and a link to them all.

    A row's links keep the dashboard's filters and narrow them to the row: a product row replaces
    the product filter (so only the filtered product has a row), a goal row replaces the goal
    filter (so only the filtered goal, or with sub-goals its subtree, has rows)."""
    products, goals = evidence_products(scope), evidence_goals(scope)
    return EvidencePanel(
        areas=_evidence_area_rows(scope),
        products=[product_row(scope, *item) for item in _most_measured(products)],
        goals=[goal_row(scope, *item) for item in _most_measured(goals)],
        product_count=len(products),
        goal_count=len(goals),
        products_url=evidence_list_url(scope, "products"),
        goals_url=evidence_list_url(scope, "goals"),
    )


def _most_measured(items: list[tuple[object, dict]]) -> list[tuple[object, dict]]:
    """The items with the most measured use cases, within the table's bound, in their order."""
    return largest(items, lambda item: sum(item[1].values()), table_rows())


def _evidence_area_rows(scope: DashboardScope) -> list[EvidenceRow]:
    """A row per evidence area and one for "no area": one grouped query."""
    by_area = scope.area_evidence
    return [
        _evidence_row(
            label, by_area.get(value, {}), {**scope.query, "evidence_area": value or NO_AREA}
        )
        for value, label in [*EvidenceArea.choices, ("", "No area")]
    ]


def evidence_products(scope: DashboardScope) -> list[tuple[ProductItem, dict]]:
    """Each product some measured use case in scope runs on (only the filtered product, with a
    product filter), by name, with its measured use cases per evidence status."""
    by_product = scope.product_evidence[0]
    return [
        (product, by_product[pk])
        for pk, product in sorted(scope.products.items(), key=lambda item: item[1].name.lower())
        if (not scope.product or pk == scope.product.pk) and sum(by_product.get(pk, {}).values())
    ]


def product_row(scope: DashboardScope, product: ProductItem, tally: dict) -> EvidenceRow:
    return _evidence_row(
        product.name, tally, {**scope.query, "product": product.slug}, url=detail_url(product)
    )


def evidence_goals(scope: DashboardScope) -> list[tuple[StrategicGoal, dict]]:
    """Each goal a measured use case in scope names (within the filtered goal or its subtree,
    with a goal filter), in the goals' order, with its measured use cases per evidence status."""
    allowed = None
    if scope.goal:
        allowed = (
            subtree_ids(scope.goal.pk, scope.goal_children) if scope.subgoals else {scope.goal.pk}
        )
    by_goal = scope.goal_evidence
    return [
        (goal, by_goal[goal.pk])
        for goal in scope.goals
        if (allowed is None or goal.pk in allowed) and sum(by_goal.get(goal.pk, {}).values())
    ]


def goal_row(scope: DashboardScope, goal: StrategicGoal, tally: dict) -> EvidenceRow:
    base = {name: value for name, value in scope.query.items() if name != "subgoals"}
    return _evidence_row(
        goal.title,
        tally,
        {**base, "goal": str(goal.pk)},
        url=detail_url(goal),
        muted=goal.status == GoalStatus.DROPPED,
        note=goal.get_status_display() if goal.status != GoalStatus.ACTIVE else "",
    )


# The evidence tables with a page listing every row: their rows' items, and each item's row.
EVIDENCE_LISTS: dict[str, tuple[Callable, Callable]] = {
    "products": (evidence_products, product_row),
    "goals": (evidence_goals, goal_row),
}


def evidence_list_url(scope: DashboardScope, kind: str) -> str:
    """The page listing every row of the evidence table ``kind``, in the dashboard's filters."""
    path = reverse(f"usecases:dashboard_evidence_{kind}")
    return f"{path}?{scope.querystring}" if scope.query else path


@dataclass(frozen=True)
class EvidenceList:
    page: Page
    rows: list[EvidenceRow]
    headings: list[tuple[str, str]]


def evidence_page(scope: DashboardScope, kind: str, number) -> EvidenceList:
    """Page ``number`` of the rows of the evidence table ``kind`` (a key of ``EVIDENCE_LISTS``),
    by name, ``settings.DASHBOARD_TABLE_ROWS`` a page; only its rows are built."""
    items, row = EVIDENCE_LISTS[kind]
    page = Paginator(items(scope), table_rows()).get_page(number)
    rows = [row(scope, *item) for item in page.object_list]
    return EvidenceList(page=page, rows=rows, headings=evidence_headings())
