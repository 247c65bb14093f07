"""What the dashboard looks at: the use cases its team, product and goal filters select
(``DashboardScope``, built from ``UseCaseFilter`` itself, so a tile and the list it links to filter
alike), and their counts by name (``Counts``).

Unfiltered, filtered by team, by a goal with its sub-goals (with or without a team) or by a product
alone, the counts are read from the summary tables (``summary``); other combinations, and a goal
linked directly, count the summary's facts of the use cases they select, in one statement
(``live``): per team (tiles and the team table), per goal of the goal tree (its roll-up, each use
case counted once however many of a subtree's goals it serves), per goal, per product and per
evidence area. ``live`` counts the use cases themselves instead, by the list's own conditions: the
check the summary and the facts are held to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.http import urlencode

from core.compiled import compiled_values
from portfolio.models import Product, StrategicGoal, Team
from usecases.choices import Status
from usecases.concerns import SCOPE_PARAMS, SUBUNITS_LEFT_OUT
from usecases.dashboard import summary
from usecases.dashboard.counts import Counts, total_of
from usecases.dashboard.live import LiveCounts, count_facts, count_products, count_selected
from usecases.dashboard.rows import GoalItem, ProductItem, TeamItem, url_with_query
from usecases.dashboard.summary_rows import scoped
from usecases.dashboard.trees import flattened
from usecases.models import (
    UNIT_ROWS,
    AreaCount,
    GoalCount,
    GoalEvidenceCount,
    ProductCount,
    UseCaseFact,
    unit_key,
)


def scope_data(params) -> dict[str, str]:
    """The dashboard's filters from a query string. "Include sub-goals" starts ticked: a leader who
    picks a goal sees everything that serves it unless they untick it."""
    data = {name: params.get(name, "") for name in SCOPE_PARAMS if params.get(name)}
    # What was typed into a chooser's search box without JavaScript (``usecases.choosers.widgets``).
    data |= {f"{name}_search": params[f"{name}_search"] for name in SCOPE_PARAMS
             if params.get(f"{name}_search")}  # fmt: skip
    if not data.get("goal"):
        data["subgoals"] = "on"
    return data


class WaitingAges(NamedTuple):
    """Since when the longest-waiting open review, and the longest-waiting sign-off request (the
    approval, or the ownership transfer if one is open), have waited (None: nothing waits)."""

    oldest_review: datetime | None
    oldest_sign_off: datetime | None


@dataclass
class DashboardScope:
    """The use cases the dashboard's filters select (``UseCaseFilter(...).qs``) and the filter
    values, which also decide the goals and products the gap tiles consider."""

    usecases: QuerySet
    team: Team | None = None
    subunits: bool = False  # with a team: its sub-units count as its own
    product: Product | None = None
    goal: StrategicGoal | None = None
    subgoals: bool = False
    now: datetime = field(default_factory=timezone.now)
    # Count the use cases themselves, by the list's conditions, where the summary's tables or
    # facts could answer: what the tests hold those to.
    live: bool = False
    details: bool = False  # a page lists goals: load their owners, not just their titles
    profiles: tuple = ()  # the standards' profiles the live path counts the not reportable of
    # A page of the products alone (those without a use case, their evidence): the live path reads
    # only what a products table needs, not every count.
    products_only: bool = False

    @classmethod
    def from_filter(
        cls,
        filterset,
        *,
        now: datetime | None = None,
        live: bool = False,
        details: bool = False,
        profiles=(),
        products_only: bool = False,
    ) -> DashboardScope:
        """From a bound ``UseCaseFilter``; filters that did not validate are left out, as the list
        leaves them out."""
        usecases = filterset.qs.order_by()
        cleaned = filterset.form.cleaned_data
        goal = cleaned.get("goal")
        return cls(
            usecases=usecases,
            team=cleaned.get("team"),
            subunits=bool(cleaned.get("team") and cleaned.get("subunits") != SUBUNITS_LEFT_OUT),
            product=cleaned.get("product"),
            goal=goal,
            subgoals=bool(goal and cleaned.get("subgoals")),
            now=now or timezone.now(),
            live=live,
            details=details,
            profiles=tuple(profiles),
            products_only=products_only,
        )

    @property
    def query(self) -> dict[str, str]:
        """The filters as the use-case list reads them: every drill-down link carries them."""
        query = {}
        if self.team:
            query["team"] = self.team.slug
            if not self.subunits:
                query["subunits"] = SUBUNITS_LEFT_OUT
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
        return url_with_query("usecases:usecase_list", {**self.query, **params})

    def page_url(self, name: str) -> str:
        return url_with_query(name, self.query)

    @property
    def dashboard_url(self) -> str:
        return self.page_url("usecases:dashboard")

    @property
    def description(self) -> str:
        """What the filters select, in words."""
        parts = []
        if self.team:
            beneath = (
                " and its sub-units" if self.subunits and self.team_ids - {self.team.pk} else ""
            )
            parts.append(f"team {self.team.name}{beneath}")
        if self.product:
            parts.append(f"product {self.product.name}")
        if self.goal:
            beneath = " and its sub-goals" if self.subgoals else " (linked directly)"
            parts.append(f"goal “{self.goal.title}”{beneath}")
        return "Use cases of " + ", ".join(parts) if parts else "All use cases"

    @cached_property
    def _live(self) -> LiveCounts:
        """Every count of the selected use cases in one statement (the live path: a product or
        goal filter, or ``live``): from their summary facts, or (``live``) from the use cases."""
        tree = {goal.pk for goal, _ in self.goal_tree}
        above = self._tree_goals_above(tree)
        if self.live:
            return count_selected(
                self.usecases, self.now, goals_above=above, profiles=self.profiles
            )
        return count_facts(self.facts, self.now, goals_above=above, profiles=self.profiles)

    @property
    def facts(self) -> QuerySet:
        """The summary's facts of the use cases the filters select, by the filters' conditions
        over the facts' columns: the team and the units beneath it (``team_ids``), the product
        run on, and the goal served directly or (``subgoals``) through a goal beneath it, which
        puts the goal in the fact's closure. Each through a GIN index."""
        facts = UseCaseFact.objects.all()
        if self.team:
            facts = facts.filter(team_id__in=self.team_ids)
        if self.product:
            facts = facts.filter(product_ids__contains=[self.product.pk])
        if self.goal and self.subgoals:
            facts = facts.filter(goal_closure__contains=[self.goal.pk])
        elif self.goal:
            facts = facts.filter(goal_ids__contains=[self.goal.pk])
        return facts

    @cached_property
    def products(self) -> dict[int, ProductItem]:
        """Every product by id, with the columns the dashboard reads (one query)."""
        return {row[0]: ProductItem(*row) for row in compiled_values(_products_query)}

    @staticmethod
    def detailed_products(items: list[ProductItem]) -> list[Product]:
        """The products ``items`` name, in their order, with their team and manager: a page
        listing a few of the organisation's products builds those alone. One query, even for
        none (the page's query count does not depend on how many it lists). In the request's one
        snapshot (``core.snapshot``), as ``items`` were read: none has gone in between."""
        named = RawSQL(  # not ``pk__in``: Django sends no query for an empty list
            '"portfolio_product"."id" = ANY(%s::bigint[])',
            ([item.pk for item in items],),
            output_field=BooleanField(),
        )
        found = Product.objects.select_related("team", "manager").filter(named).order_by()
        by_pk = {product.pk: product for product in found}
        return [by_pk[item.pk] for item in items]

    @property
    def summarised(self) -> bool:
        """Read from the summary tables: unfiltered, filtered by team (and its sub-units), by a
        goal with its sub-goals (the goal's own count tables, per team) or by a product alone
        (the product's, kept for the whole organisation only). Other combinations, and a goal
        linked directly, count the facts of the use cases they select."""
        if self.live or (self.goal and not self.subgoals):
            return False
        return not (self.product and (self.team or self.goal))

    @property
    def summary_teams(self) -> frozenset[int] | None:
        """The teams the summary is read for (None: all)."""
        return self.team_ids if self.team else None

    def summary_keys(self, model) -> frozenset[int] | None:
        """The team keys the summary's count table ``model`` (or the goal's or product's table
        read instead: ``summary_rows.scoped``) is read for (None: all). A table keeping a row per
        unit answers a team with its sub-units by two keys, the team's own rows and its unit's
        (``unit_key``), however many teams lie beneath it; the others, by each team's."""
        if self.team and self.subunits:
            table, _ = scoped(model, self.summary_within and self.summary_within.kind)
            if table in UNIT_ROWS:
                return frozenset({self.team.pk, unit_key(self.team.pk)})
        return self.summary_teams

    @property
    def summary_within(self) -> summary.Within | None:
        """The goal or product whose own counts the summary is read from (None: the whole
        registry's). Under a goal, every goal of the tree lies beneath it, so each tree goal's
        roll-up is its own: the per-goal counts answer those as they do unfiltered."""
        if not self.summarised:
            return None
        if self.goal:
            return summary.Within("goal", self.goal.pk)
        return summary.Within("product", self.product.pk) if self.product else None

    @cached_property
    def _summary(self) -> tuple[dict[int, dict], list[dict]]:
        return summary.team_counts(self.summary_teams, self.now, self.summary_within)

    @cached_property
    def by_team(self) -> dict[int, Counts]:
        if self.summarised:
            return {team_id: Counts(row) for team_id, row in self._summary[0].items()}
        return self._live.by_team

    @cached_property
    def totals(self) -> Counts:
        return total_of(self.by_team.values())

    @cached_property
    def goal_children(self) -> dict[int | None, list[StrategicGoal]]:
        return children_of(self.goals)

    @cached_property
    def goal_tops(self) -> list[StrategicGoal]:
        """The goal tree's tops: the filtered goal, or every goal with no parent among them."""
        if self.goal:
            return [goal for goal in self.goals if goal.pk == self.goal.pk]
        known = {goal.pk for goal in self.goals}
        return [goal for goal in self.goals if goal.parent_id not in known]

    def goals_below(self, goal: StrategicGoal) -> list[StrategicGoal]:
        """A goal's children in the tree (none under a goal filter without sub-goals)."""
        if self.goal and not self.subgoals:
            return []
        return self.goal_children.get(goal.pk, [])

    @cached_property
    def goal_tree(self) -> list[tuple[StrategicGoal, int]]:
        """The goal tree's goals (``goal_tops``, ``goals_below``) in tree order, with depth."""
        return flattened(self.goal_tops, self.goals_below)

    @cached_property
    def goal_rollups(self) -> dict[int, Counts]:
        """Each tree goal's roll-up, once for the tree, the gap tile and its list: the use cases
        serving the goal or any goal beneath it, each counted once. From the summary's per-goal
        counts, or from the live path's (``live.count_facts``: each set of goals served added
        once to every tree goal at or above one of its goals)."""
        tree = [goal.pk for goal, _ in self.goal_tree]
        if self.summarised:
            return {pk: Counts.of(self._goal_counts.get(pk, {})) for pk in tree}
        rollups = self._live.goal_rollups
        return {pk: rollups[pk] if pk in rollups else Counts.zero() for pk in tree}

    def _tree_goals_above(self, tree) -> dict[int, tuple[int, ...]]:
        """Each goal's pk with the goals of ``tree`` at or above it (its own pk first, if in the
        tree): the roll-ups it counts in."""
        parents = {goal.pk: goal.parent_id for goal in self.goals}
        above: dict[int, tuple[int, ...]] = {}
        for pk in parents:
            chain, seen, current = [], set(), pk
            while current is not None and current not in seen:
                seen.add(current)
                if current in tree:
                    chain.append(current)
                current = parents.get(current)
            above[pk] = tuple(chain)
        return above

    @cached_property
    def _goal_counts(self) -> dict[int, dict]:
        return summary.goal_counts(
            self.summary_keys(GoalCount), self._summary[1], self.summary_within
        )

    @cached_property
    def goal_evidence(self) -> dict[int, dict[str, int]]:
        """Measured use cases naming each goal directly, per evidence status. Under a goal with
        its sub-goals, read from the summary, the goals beneath it alone (its tree): a use case
        naming one of them is in scope, while one naming a goal elsewhere may not be (no table
        lists those)."""
        if self.summarised:
            return summary.goal_evidence(self.summary_keys(GoalEvidenceCount), self.summary_within)
        return self._live.goal_evidence

    @cached_property
    def product_evidence(self) -> tuple[dict[int, dict[str, int]], set[int]]:
        """Measured use cases running on each product, per evidence status; and the products an
        open use case runs on."""
        if self.summarised:
            return summary.product_evidence(self.summary_keys(ProductCount), self.summary_within)
        if self.products_only:
            return count_products(self.usecases if self.live else self.facts)
        return self._live.product_evidence, self._live.products_used

    @cached_property
    def area_evidence(self) -> dict[str, dict[str, int]]:
        """Measured use cases per evidence area ('' for none), per evidence status."""
        if self.summarised:
            return summary.area_evidence(self.summary_keys(AreaCount), self.summary_within)
        return self._live.area_evidence

    @property
    def oldest_waiting(self) -> WaitingAges:
        """From the summary's waiting times, or with the live path's other counts."""
        if self.summarised:
            oldest = summary.oldest_waiting(self.summary_teams, self.summary_within, self.totals)
            return WaitingAges(
                oldest[Status.IN_REVIEW.value], oldest[Status.AWAITING_SIGN_OFF.value]
            )
        return WaitingAges(self._live.oldest_review, self._live.oldest_sign_off)

    @property
    def not_reportable(self) -> dict[str, int]:
        """Per key of ``profiles``, how many selected use cases are not reportable under it (the
        live path; a copy). From the facts, a profile whose installed condition is not its own is
        left out: ``profile_tiles`` counts it from the use cases."""
        return dict(self._live.not_reportable)

    @cached_property
    def teams(self) -> list[TeamItem]:
        """Every team, with the columns the team table reads (one query)."""
        return [TeamItem(*row) for row in compiled_values(_teams_query)]

    @cached_property
    def team_ids(self) -> frozenset[int]:
        """The filtered team and, with its sub-units, every unit beneath it (empty: no team
        filter). Read from ``teams``, no query of its own."""
        if not self.team:
            return frozenset()
        if not self.subunits:
            return frozenset({self.team.pk})
        return subtree_ids(self.team.pk, self.team_children)

    @cached_property
    def team_children(self) -> dict[int | None, list[Team]]:
        return children_of(self.teams)

    @cached_property
    def goals(self) -> list[StrategicGoal] | list[GoalItem]:
        """Every goal, with the columns the goal tree reads (light rows, as ``teams``), or
        (``details``) as models with their owners (one query)."""
        if self.details:
            return list(_goals_in_order().select_related("owner"))
        return [GoalItem(*row) for row in compiled_values(_goals_query)]


# Every team, product and goal, read on every dashboard: the queries compiled once per process
# (``core.compiled``; compiling the three cost a third of their time).
def _teams_query(limit: None):
    return Team.objects.order_by("name").values_list(*TeamItem._fields)


def _products_query(limit: None):
    return Product.objects.order_by("name").values_list(*ProductItem._fields)


def _goals_in_order() -> QuerySet:
    return StrategicGoal.objects.order_by("title", "pk")  # titles may repeat: pk breaks ties


def _goals_query(limit: None):
    return _goals_in_order().values_list(*GoalItem._fields)


def children_of(rows) -> dict[int | None, list]:
    """The rows of a hierarchy (goals, teams) by their parent's pk."""
    children: dict[int | None, list] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    return children


def subtree_ids(pk: int, children: dict) -> frozenset[int]:
    """``pk`` and every row beneath it (``children`` from ``children_of``)."""
    found, stack = set(), [pk]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(child.pk for child in children.get(current, []))
    return frozenset(found)
