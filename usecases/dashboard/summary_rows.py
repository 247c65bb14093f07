"""Reading the summary's count tables (``usecases.dashboard.summary``): each query built and
compiled once per process and kind of filter, then run with the filter's values (the teams, the
goal or product ``Within``, the moments) put where the compiled query holds stand-ins; and which
table answers for a goal's or product's own dashboard (``scoped``, ``counts_of``; the profile
tiles' count, ``usecases.dashboard.profiles.profile_counts``, reads the same map)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from psycopg.types.numeric import IntLoader

from usecases.models import (
    ALL_TEAMS,
    AreaCount,
    GoalAreaCount,
    GoalCount,
    GoalEvidenceCount,
    GoalProductCount,
    GoalProfileCount,
    GoalScopeCount,
    GoalScopeTally,
    ProductAreaCount,
    ProductCount,
    ProductGoalCount,
    ProductGoalEvidenceCount,
    ProductProfileCount,
    ProductScopeCount,
    ProductScopeTally,
    ProfileCount,
    TeamCount,
    TeamTally,
)


class Within(NamedTuple):
    """The goal (with its sub-goals) or product whose own count tables a dashboard reads."""

    kind: str  # "goal" or "product"
    pk: int


# A summary query is built and compiled once per process and kind of team, goal or product
# filter: its dozens of filtered sums cost more to compile than to run. The filtered teams' ids,
# goal or product are parameters, put in at each run where the compiled query holds these
# stand-ins.
_TEAMS = ["the filtered teams"]
_WITHIN = ["the filtered goal or product"]

# Per kind of ``Within``: each count table read otherwise there, and the table's rows read
# instead (the condition's one parameter the goal's or product's id): its own table of them, or
# (a goal's tree counts and evidence) the rows of the goals beneath it, whose roll-ups are their
# own under it. Then the array of a fact holding the goal or product.
_BENEATH = "goal_id IN (SELECT goal_id FROM usecases_goalancestor WHERE ancestor_id = %s)"
_SCOPED = {
    "goal": {
        TeamCount: (GoalScopeCount, "goal_id = %s"),
        TeamTally: (GoalScopeTally, "goal_id = %s"),
        ProductCount: (GoalProductCount, "goal_id = %s"),
        AreaCount: (GoalAreaCount, "goal_id = %s"),
        ProfileCount: (GoalProfileCount, "goal_id = %s"),
        GoalCount: (GoalCount, _BENEATH),
        GoalEvidenceCount: (GoalEvidenceCount, _BENEATH),
    },
    "product": {
        TeamCount: (ProductScopeCount, "product_id = %s"),
        TeamTally: (ProductScopeTally, "product_id = %s"),
        ProductCount: (ProductCount, "product_id = %s"),
        AreaCount: (ProductAreaCount, "product_id = %s"),
        ProfileCount: (ProductProfileCount, "product_id = %s"),
        GoalCount: (ProductGoalCount, "product_id = %s"),
        GoalEvidenceCount: (ProductGoalEvidenceCount, "product_id = %s"),
    },
}
FACT_ARRAY = {"goal": "goal_closure", "product": "product_ids"}


def of_scope(sql: str) -> Q:
    """The rows of the filtered goal or product by ``sql`` (its one parameter the id)."""
    return Q(RawSQL(sql, (_WITHIN,), output_field=BooleanField()))


def scoped(model, kind: str | None):
    """The table holding the count table ``model``'s rows within a goal or product (``kind``;
    None: ``model`` itself), and the condition picking them (its one parameter the id; None:
    every row)."""
    return (model, None) if kind is None else _SCOPED[kind][model]


def counts_of(model, kind: str | None):
    """The rows of the count table ``model``, or those of the filtered goal or product
    (``kind``) in the table that holds them (``_SCOPED``)."""
    table, condition = scoped(model, kind)
    return table.objects.filter(of_scope(condition)) if condition else table.objects.all()


def _teams_where(filtered: bool, org_wide: bool) -> Q:
    """The rows of the filtered teams (their ids one parameter), or else every row: the facts
    and team counts; or (``org_wide``) the organisation-wide rows (``team_id`` 0) that the
    triggers keep beside each per-goal, per-product and per-area count."""
    if filtered:  # the queries join nothing: the column is the summary table's
        return Q(RawSQL("team_id = ANY(%s::bigint[])", (_TEAMS,), output_field=BooleanField()))
    return Q(team_id=ALL_TEAMS) if org_wide else Q()


@lru_cache(maxsize=64)
def _compiled(build, filtered: bool, org_wide: bool, kind: str | None) -> tuple[str, tuple]:
    where = _teams_where(filtered, org_wide)
    return (build(where, kind) if kind else build(where)).query.sql_with_params()


def read_rows(
    build,
    team_ids,
    *,
    org_wide: bool = True,
    moments: dict | None = None,
    names=None,
    within: Within | None = None,
) -> list[dict]:
    """The rows of the values queryset ``build(team filter, kind of within)`` for these teams
    (None: all) and goal or product (``within``), from its SQL compiled once; ``moments`` puts
    each stand-in moment's value in; sums as integers, as the queryset would give them; each
    row's keys ``names`` (default: the columns')."""
    sql, params = _compiled(build, team_ids is not None, org_wide, within and within.kind)
    moments = moments or {}
    params = [
        list(team_ids)
        if param is _TEAMS
        else within.pk
        if param is _WITHIN
        else moments.get(param, param)
        if isinstance(param, datetime)
        else param
        for param in params
    ]
    with connection.cursor() as cursor:
        # Every numeric here is a sum of counts: read as int by psycopg itself (its C loader)
        # rather than as a Decimal made an int afterwards, thousands of times a page. On this
        # cursor alone; a sum that were not whole would raise here, not be cut to an int.
        cursor.cursor.adapters.register_loader("numeric", IntLoader)
        cursor.execute(sql, params)
        names = names or [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
