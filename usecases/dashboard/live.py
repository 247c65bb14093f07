"""The dashboard's counts when a product or goal filter selects the use cases
(``DashboardScope``'s live path): one statement that reads each selected use case once and groups
them every way the dashboard needs. It reads the summary's fact of each (``count_facts``: a narrow
row the triggers keep, found through a GIN index), or (``count_selected``) the use case itself by
the list's own conditions, which the tests hold the facts to.

The selected rows are read once, into a materialised CTE, each carrying a 0/1 flag per count
(``counts.count_conditions`` over the use case, or the summary's rules over its fact), whether it
is measured and open, and since when it has waited. The groupings then read that CTE, not the
table: per team, per goal of the goal tree (its roll-up), per goal and evidence status, per
product, per evidence area, and the oldest waits. Each comes back as one JSON array, so thousands
of groups cost the page one parse, not a Python object each.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.dateparse import parse_datetime

from usecases.choices import MEASURABLE_STATUSES, EvidenceStatus, Status
from usecases.concerns import LIVE_STATUSES
from usecases.dashboard.counts import Counts, by_evidence_status, by_product, count_conditions
from usecases.dashboard.summary import count_rules, phase_at
from usecases.models import Review
from usecases.selectors import attestation_due_before, sign_off_requested_at
from usecases.summary_profiles import condition_sql


@dataclass(frozen=True)
class LiveCounts:
    """What ``count_selected`` or ``count_facts`` read, in the shapes ``DashboardScope``
    serves."""

    by_team: dict[int, Counts]
    goal_rollups: dict[int, Counts]  # tree goal -> the use cases serving it or a goal below it
    goal_evidence: dict[int, dict[str, int]]  # goal -> evidence status -> measured use cases
    product_evidence: dict[int, dict[str, int]]  # product -> evidence status -> measured
    products_used: set[int]  # the products an open use case runs on
    area_evidence: dict[str, dict[str, int]]  # area ('' none) -> evidence status -> measured
    oldest_review: datetime | None
    oldest_sign_off: datetime | None
    not_reportable: dict[str, int]  # per profile key asked for


def waiting_since():
    """Since when a use case in review, or awaiting sign-off, has waited (its open review's
    submission; the sign-off's request); None in any other status. An expression."""
    open_review = Review.objects.filter(usecase_id=OuterRef("pk"), decided_at__isnull=True)
    return Case(
        When(status=Status.IN_REVIEW, then=Subquery(open_review.values("submitted_at")[:1])),
        When(status=Status.AWAITING_SIGN_OFF, then=sign_off_requested_at()),
        default=None,
        output_field=DateTimeField(),
    )


def _flag(condition: Q | None) -> Case | Value:
    """1 where ``condition`` holds (None: always), else 0."""
    if condition is None:
        return Value(1, output_field=IntegerField())
    return Case(When(condition, then=1), default=0, output_field=IntegerField())


def _sums(names, *, prefix: str = "c_") -> str:
    return ", ".join(f'sum("{prefix}{name}") AS "{name}"' for name in _named(names))


# Per product the selected use cases run on: whether an open one does, and how many measured ones
# have each evidence status (one parameter each, in ``EvidenceStatus`` order).
_PRODUCTS = """
  (SELECT coalesce(json_agg(p), '[]') FROM
     (SELECT product_id, max(live) AS open_use_cases, {evidence}
      FROM scoped CROSS JOIN LATERAL unnest(product_ids) AS product_id GROUP BY product_id) p)"""

# Column names are the code's own (count names, evidence statuses; checked by ``_named``): nothing
# typed reaches the SQL but as a parameter. Sent as a SELECT (the CTE inside it), so pghistory
# does not put a statement of its own before it.
_STATEMENT = """
SELECT * FROM (
WITH scoped AS MATERIALIZED ({selected})
SELECT
  (SELECT coalesce(json_agg(t), '[]') FROM
     (SELECT team_id, {sums} FROM scoped GROUP BY team_id) t),
  (SELECT coalesce(json_agg(r), '[]') FROM
     (SELECT above.tree_goal AS goal_id, {rolled}
      FROM (SELECT goal_ids, {sums} FROM scoped GROUP BY goal_ids) AS goal_sets
      CROSS JOIN LATERAL
        (SELECT DISTINCT tree_goal::bigint AS tree_goal
         FROM unnest(goal_sets.goal_ids) AS served(goal_id)
         CROSS JOIN LATERAL jsonb_array_elements_text(%s::jsonb -> served.goal_id::text)
           AS tree(tree_goal)) AS above
      GROUP BY above.tree_goal) r),
  (SELECT coalesce(json_agg(e), '[]') FROM
     (SELECT goal_id, evidence_status, count(*) AS total
      FROM scoped CROSS JOIN LATERAL unnest(goal_ids) AS goal_id
      WHERE measured = 1 GROUP BY goal_id, evidence_status) e),
  {products},
  (SELECT coalesce(json_agg(a), '[]') FROM
     (SELECT evidence_area, evidence_status, count(*) AS total
      FROM scoped WHERE measured = 1 GROUP BY evidence_area, evidence_status) a),
  (SELECT json_build_array(
     min(waiting) FILTER (WHERE status = %s), min(waiting) FILTER (WHERE status = %s))
   FROM scoped),
  {profiles}
) AS counts
"""
_PRODUCTS_ONLY = """
SELECT * FROM (WITH scoped AS MATERIALIZED ({selected}) SELECT {products}) AS counts
"""
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _named(names):
    """``names``, each checked to be a plain SQL name (they are written into the statement)."""
    names = list(names)
    if not all(_NAME.match(name) for name in names):
        raise ImproperlyConfigured(f"not plain SQL names: {names}")
    return names


def _evidence_sums() -> str:
    return ", ".join(
        f'count(*) FILTER (WHERE measured = 1 AND evidence_status = %s) AS "{status}"'
        for status in _named(EvidenceStatus.values)
    )


def _selected(usecases: QuerySet, **flags) -> QuerySet:
    """``usecases`` with ``flags``, unordered; a DISTINCT selection would merge equal rows."""
    if usecases.query.distinct:
        raise ValueError("the live counts read each selected use case once: no DISTINCT")
    return usecases.order_by().annotate(
        measured=_flag(Q(status__in=MEASURABLE_STATUSES)),
        live=_flag(Q(status__in=LIVE_STATUSES)),
        **flags,
    )


def count_products(selected: QuerySet) -> tuple[dict[int, dict[str, int]], set[int]]:
    """``product_evidence`` and ``products_used`` alone, for a page about products: one query
    that reads only what they need of each selected use case, or of each selected use case's
    fact (the columns are named alike)."""
    selected = _selected(selected).values("product_ids", "evidence_status", "measured", "live")
    sql, params = selected.query.sql_with_params()
    statement = _PRODUCTS_ONLY.format(
        selected=sql, products=_PRODUCTS.format(evidence=_evidence_sums())
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *EvidenceStatus.values])
        return by_product(_loaded(cursor.fetchone()[0]))


def _loaded(value):
    return value if isinstance(value, list) else json.loads(value)


def count_selected(
    usecases: QuerySet, now: datetime, *, goals_above: dict[int, tuple[int, ...]], profiles=()
) -> LiveCounts:
    """Every count the dashboard shows of ``usecases`` (a filtered, unordered queryset) at
    ``now``, and how many are not reportable under each of ``profiles``: one query.

    ``goals_above``: per goal, the goal tree's goals at or above it. Each tree goal's roll-up
    counts the use cases serving any goal it is above, each once: the use cases are summed per
    set of goals served, and each set's sums added once to every tree goal above one of its
    goals."""
    conditions = count_conditions(now)
    profiles = list(profiles)
    selected = _selected(
        usecases,
        **{f"c_{name}": _flag(condition) for name, condition in conditions.items()},
        waiting=waiting_since(),
        **{f"p_{index}": _flag(profile.not_reportable) for index, profile in enumerate(profiles)},
    )
    return _counted(selected, list(conditions), goals_above, profiles, installed_only=False)


def count_facts(
    facts: QuerySet, now: datetime, *, goals_above: dict[int, tuple[int, ...]], profiles=()
) -> LiveCounts:
    """``count_selected`` of the use cases whose summary facts ``facts`` selects: a narrow row
    per use case that the triggers keep exact in each write's transaction (``UseCaseFact``),
    found through its GIN indexes, instead of the use case itself read through its links.

    Each count is the summary's rule over the fact's columns (``summary.count_rules``), the
    attestation's phase taken at ``now`` rather than at the summary clock;
    ``tests/usecases/dashboard/test_summary.py`` holds both paths equal after every write path.
    A profile is counted only while the condition installed for it is its own; otherwise it is
    left out of ``not_reportable``, for ``profile_tiles`` to count from the use cases."""
    rules = count_rules("actual")
    profiles = list(profiles)
    selected = _selected(
        facts.annotate(actual=phase_at(now, attestation_due_before(now))),
        **{f"c_{name}": _flag(rule) for name, rule in rules.items()},
        waiting=F("waiting_since"),
        **{
            f"p_{index}": _flag(Q(unreportable__contains=[profile.key]))
            for index, profile in enumerate(profiles)
        },
    )
    return _counted(selected, list(rules), goals_above, profiles, installed_only=True)


def _counted(
    selected: QuerySet, names: list[str], goals_above, profiles: list, *, installed_only: bool
) -> LiveCounts:
    """The statement over ``selected`` (flagged by ``_selected``: ``c_`` + each of ``names``, a
    ``p_`` per profile, ``waiting``), its groupings in the shapes ``DashboardScope`` serves."""
    selected = selected.values(
        "team_id",
        "goal_ids",
        "product_ids",
        "status",
        "evidence_status",
        "evidence_area",
        "measured",
        "live",
        "waiting",
        *(f"c_{name}" for name in names),
        *(f"p_{index}" for index in range(len(profiles))),
    )
    sql, params = selected.query.sql_with_params()
    statement = _STATEMENT.format(
        selected=sql,
        sums=_sums(names),
        rolled=_sums(names, prefix=""),
        products=_PRODUCTS.format(evidence=_evidence_sums()),
        profiles=_profile_sums(len(profiles), installed_only=installed_only),
    )
    checks = [
        value for profile in profiles for value in (profile.key, condition_sql(profile))
    ] if installed_only else []  # fmt: skip
    with connection.cursor() as cursor:
        above = json.dumps({str(pk): goals for pk, goals in goals_above.items() if goals})
        waiting = [Status.IN_REVIEW.value, Status.AWAITING_SIGN_OFF.value]
        cursor.execute(statement, [*params, above, *EvidenceStatus.values, *waiting, *checks])
        teams, rollups, goals, products, areas, waits, unreportable = map(
            _loaded, cursor.fetchone()
        )
    evidence, used = by_product(products)
    return LiveCounts(
        by_team={row.pop("team_id"): Counts(row) for row in teams},
        goal_rollups={row.pop("goal_id"): Counts(row) for row in rollups},
        goal_evidence=by_evidence_status(goals, "goal_id"),
        product_evidence=evidence,
        products_used=used,
        area_evidence=by_evidence_status(areas, "evidence_area"),
        oldest_review=_moment(waits[0]),
        oldest_sign_off=_moment(waits[1]),
        not_reportable={
            profile.key: count
            for profile, count in zip(profiles, unreportable, strict=True)
            if count is not None
        },
    )


def _profile_sums(count: int, *, installed_only: bool) -> str:
    """Per profile, how many selected use cases are not reportable under it; with
    ``installed_only``, none (null) unless the installed condition is the profile's own (its
    key and condition two parameters)."""
    if not count:
        return "'[]'::json"
    sums = [f"coalesce(sum(p_{index}), 0)" for index in range(count)]
    if installed_only:
        installed = (
            "EXISTS (SELECT 1 FROM usecases_summaryprofile s WHERE s.key = %s AND s.condition = %s)"
        )
        sums = [f"CASE WHEN {installed} THEN {total} END" for total in sums]
    return f"(SELECT json_build_array({', '.join(sums)}) FROM scoped)"


def _moment(value: str | None) -> datetime | None:
    """A moment as PostgreSQL writes it in JSON (None: there was none)."""
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is None:
        raise ValueError(f"not a moment: {value!r}")
    return moment
