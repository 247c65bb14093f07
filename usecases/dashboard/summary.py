"""The dashboard's counts read from the summary tables (``usecases.models.summary``), which
triggers keep exact: a few hundred summary rows instead of every use case, so the dashboard's cost
follows the number of teams, goals and products, not of use cases.

The rules here restate the conditions of ``usecases.concerns`` over the summary's columns (the
owner's state instead of a join, the attestation's phase at the summary clock instead of its
date); ``tests/usecases/dashboard/test_summary.py`` checks both agree on random registries after
random changes through every write path. The stored phases refer to ``SummaryClock.phased_at``:
the few use cases whose expiry lies between that moment and the dashboard's ``now`` are read from
``UseCaseFact`` and moved to the phase they have at ``now``.

Used when the dashboard is unfiltered, filtered by team (and sub-units), by a goal with its
sub-goals (with or without a team) or by a product alone (``within``: that goal's or product's
rows of its own count tables, ``GoalScopeCount``, ``ProductScopeCount`` and their kin); other
combinations, and a goal linked directly, count the facts of the use cases they select
(``DashboardScope``'s live path, ``live.count_facts``), by these rules with the phase taken at
``now`` (``phase_at``).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    CharField,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from usecases.choices import (
    MEASURABLE_STATUSES,
    EvidenceStatus,
    LifecycleStage,
    Status,
)
from usecases.concerns import CONCERNS, LIVE_STATUSES
from usecases.dashboard.counts import by_evidence_status, by_product, stage_key
from usecases.dashboard.summary_rows import FACT_ARRAY, Within, counts_of, of_scope, read_rows
from usecases.models import (
    AreaCount,
    GoalCount,
    GoalEvidenceCount,
    OwnerState,
    Phase,
    ProductCount,
    TeamCount,
    TeamTally,
    UseCaseFact,
)
from usecases.selectors import attestation_due_before

OWNER_ACTIVE = (OwnerState.OK, OwnerState.AWAY)
SIGNED_PHASES = (Phase.CURRENT, Phase.DUE_SOON)


def _signed(phase: str) -> Q:
    """``concerns._signed``: active, an active owner, unchanged, the sign-off not run out."""
    return Q(
        status=Status.ACTIVE,
        owner_state__in=OWNER_ACTIVE,
        changed=False,
        **{f"{phase}__in": SIGNED_PHASES},
    )


def concern_rules(phase: str) -> dict[str, Q]:
    """Each concern of ``usecases.concerns`` over the summary's columns; ``phase`` names the
    column holding the attestation's phase."""
    return {
        "signed": _signed(phase),
        "unowned_draft": Q(status=Status.DRAFT, owner_state=OwnerState.NONE),
        "imported_unowned": Q(status=Status.DRAFT, owner_state=OwnerState.NONE, imported=True),
        "in_production_unsigned": Q(lifecycle_stage=LifecycleStage.IN_PRODUCTION) & ~_signed(phase),
        "overdue": Q(**{phase: Phase.OVERDUE}),
        "due_soon": Q(**{phase: Phase.DUE_SOON}),
        "owner_gone": Q(
            status__in=LIVE_STATUSES, owner_state__in=(OwnerState.INACTIVE, OwnerState.AWAY)
        ),
        "changed": Q(
            changed=True,
            status__in=[Status.ACTIVE, Status.IN_REVIEW, Status.AWAITING_SIGN_OFF],
        ),
        "no_goal": Q(status__in=LIVE_STATUSES, no_goal=True),
        "off_track": Q(status__in=MEASURABLE_STATUSES, evidence_status=EvidenceStatus.OFF_TRACK),
    }


if set(concern_rules("phase")) != set(CONCERNS):  # a new concern needs its summary rule
    raise ImproperlyConfigured("usecases.dashboard.summary.concern_rules misses a concern")

# The counts whose value depends on the clock: the only ones a correction changes.
TIMED = ("signed", "in_production_unsigned", "overdue", "due_soon")


def count_rules(phase: str = "phase") -> dict[str, Q | None]:
    """Every name of a dashboard ``Counts`` and the rows it counts (None: all)."""
    rules: dict[str, Q | None] = {"total": None}
    rules.update({status.value: Q(status=status) for status in Status})
    rules.update(concern_rules(phase))
    rules.update({stage_key(stage): Q(lifecycle_stage=stage) for stage in LifecycleStage})
    return rules


def _added(column: str = "n", **options) -> Sum:
    """The sum of a count column, its values added as integers: PostgreSQL sums those into a
    bigint, where a bigint column's sum is a numeric, three times as slow to add up (the team
    tally's 400 rows: 1.06 ms, 0.35 as integers) and written out digit by digit. A row counts use
    cases, or (a tally's writer slot, until ``compact_summary`` folds the slots together) what its
    writers added and took away: far below an integer's 2,147,483,647 either way; a larger one
    would stop the query ("integer out of range"), not be cut."""
    return Sum(Cast(column, IntegerField()), **options)


def _sums(rules: dict[str, Q | None]) -> dict:
    return {name: _added(filter=rule, default=0) for name, rule in rules.items()}


def _flags(rules: dict[str, Q | None], prefix: str) -> dict:
    return {
        f"{prefix}{name}": Case(When(rule, then=1), default=0, output_field=IntegerField())
        for name, rule in rules.items()
    }


def advance_summary_clock(*, moment: datetime | None = None) -> int:
    """Move the summary clock to ``moment`` (now), refreshing the use cases whose phase differs
    between the two moments; how many. Keeps the readers' correction window small."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT usecases_summary_advance(coalesce(%s, now()), %s)",
            [moment, settings.ATTESTATION_DUE_WITHIN_DAYS],
        )
        return cursor.fetchone()[0]


def compact_summary() -> int:
    """Fold the count tables' writer slots together (``usecases_summary_compact``); how many rows
    fewer. Keeps the dashboard's summed rows few; skipping it never makes a count wrong."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT usecases_summary_compact()")
        return cursor.fetchone()[0]


# The stored phases refer to the clock's moment T and window D; at ``now`` with the window of
# the settings, a phase may differ only for an expiry between T and now, or between T + D and
# now + the window. The bounds are read from the clock row inside the query (no query of its own),
# each once, so the two ranges are read from the index on active expiries.
_WINDOW = """
    (expires_at >= (SELECT least(phased_at, %s) FROM usecases_summaryclock WHERE id = 1)
     AND expires_at < (SELECT greatest(phased_at, %s) FROM usecases_summaryclock WHERE id = 1))
    OR (expires_at >= (SELECT least(phased_at + make_interval(hours => 24 * due_within_days), %s)
                       FROM usecases_summaryclock WHERE id = 1)
        AND expires_at < (SELECT greatest(phased_at + make_interval(hours => 24 * due_within_days),
                                          %s)
                          FROM usecases_summaryclock WHERE id = 1))
"""


# Stand-ins for the dashboard's moment and the end of its due window in the compiled corrections
# query (``_rows``): no real attestation is this old.
_NOW, _DUE = (datetime(1900, 1, day, tzinfo=UTC) for day in (1, 2))


def _corrections(team_ids, now: datetime, within: Within | None) -> list[dict]:
    """The active use cases (``within`` the goal or product, if given) whose phase at ``now`` may
    differ from the stored one, with each timed count's flag as stored (``old_``) and at ``now``
    (``new_``)."""
    moments = {_NOW: now, _DUE: attestation_due_before(now)}
    return read_rows(_corrections_query, team_ids, org_wide=False, moments=moments, within=within)


def phase_at(now: datetime, due: datetime) -> Case:
    """A fact's attestation phase at ``now`` (``due``: ``attestation_due_before(now)``), as
    ``usecases_phase`` gives it at the summary clock: none unless active with an expiry."""
    return Case(
        When(~Q(status=Status.ACTIVE) | Q(expires_at__isnull=True), then=Value(Phase.NONE.value)),
        When(expires_at__lt=now, then=Value(Phase.OVERDUE.value)),
        When(expires_at__lt=due, then=Value(Phase.DUE_SOON.value)),
        default=Value(Phase.CURRENT.value),
        output_field=CharField(),
    )


def _corrections_query(where: Q, kind: str | None = None):
    if kind:
        # Not through the arrays' index: the window holds a few use cases, a goal half of all.
        where &= of_scope(f"%s = ANY({FACT_ARRAY[kind]})")
    now, due = _NOW, _DUE
    actual = phase_at(now, due)
    old = {name: count_rules("phase")[name] for name in TIMED}
    new = {name: count_rules("actual")[name] for name in TIMED}
    flags = [f"{prefix}{name}" for prefix in ("old_", "new_") for name in TIMED]
    return (
        UseCaseFact.objects.filter(where, status=Status.ACTIVE)
        .filter(RawSQL(_WINDOW, [now, now, due, due], output_field=BooleanField()))
        .annotate(actual=actual, **_flags(old, "old_"), **_flags(new, "new_"))
        .values("team_id", "goal_closure", *flags)
    )


def _correct(counts: dict, row: dict) -> None:
    for name in TIMED:
        counts[name] = counts.get(name, 0) + row[f"new_{name}"] - row[f"old_{name}"]


def _team_counts_query(where: Q, kind: str | None = None):
    rules = count_rules()
    counts = counts_of(TeamCount, kind).filter(where)
    return counts.values("team_id").annotate(**_sums(rules)).order_by()


def _ordered(rule: Q) -> Q:
    """``rule`` with each set of values in sorted order: a set's order changes from process to
    process (strings hash differently), the SQL compiled from it must not."""
    ordered = copy.copy(rule)
    ordered.children = [
        _ordered(child)
        if isinstance(child, Q)
        else (child[0], tuple(sorted(child[1])))
        if isinstance(child, tuple) and isinstance(child[1], set | frozenset)
        else child
        for child in rule.children
    ]
    return ordered


def tally_flags(using: str = "default") -> dict[str, str]:
    """Each of ``count_rules()`` as the SQL of its flag over a team count's columns (1 when the
    row counts towards it, else 0), its values inlined: what migration ``0021_team_tally`` froze
    into the triggers keeping ``TeamTally`` (``usecases_teamtally_rules()`` returns it)."""
    table = f'"{TeamCount._meta.db_table}".'
    flags = {}
    for name, rule in count_rules().items():
        if rule is None:
            flags[name] = "1"
            continue
        flag = Case(When(_ordered(rule), then=Value(1)), default=Value(0))
        query = TeamCount.objects.annotate(flag=flag).query
        sql, params = query.get_compiler(using).compile(query.annotations["flag"])
        flags[name] = connections[using].ops.compose_sql(sql, params).replace(table, "")
    return flags


def _team_tally_query(where: Q, kind: str | None = None):
    """Per team, its tally's rows (one per writer slot; within a goal or product, those of its
    own tally: ``counts_of``) summed, while the rules the tallies' triggers count by are the
    current ones; else a single row with no team, from the team counts if there are any
    (``team_counts`` then counts them). The check is a constant once planned: PostgreSQL reads
    one half, and plans the other as nothing (the team counts' 22 filtered sums would cost a
    third as much again to plan)."""
    rules = json.dumps(tally_flags())
    check = "usecases_teamtally_rules() {} %s::jsonb"
    installed = RawSQL(check.format("="), (rules,), output_field=BooleanField())
    differ = RawSQL(check.format("IS DISTINCT FROM"), (rules,), output_field=BooleanField())
    # Named apart from the columns (Django refuses an annotation named as a field): ``_rows``
    # names them (``_TALLY_NAMES``).
    sums = [f"sum_{name}" for name in count_rules()]
    tallied = (
        counts_of(TeamTally, kind)
        .filter(where, installed)
        .values("team_id")
        .annotate(**{alias: _added(name) for alias, name in zip(sums, count_rules(), strict=True)})
        .order_by()
    )
    nothing = Value(None, output_field=BigIntegerField())
    stale = (
        TeamCount.objects.filter(differ)
        .annotate(no_team=nothing, **dict.fromkeys(sums, nothing))
        .values("no_team", *sums)
        .order_by()[:1]
    )
    return tallied.union(stale, all=True)


def team_counts(
    team_ids, now: datetime, within: Within | None = None
) -> tuple[dict[int, dict], list[dict]]:
    """Per team, every count of a dashboard ``Counts`` at ``now`` (of the use cases ``within`` a
    goal or product, if given: its own team counts, summed by the rules); and the corrections
    read."""
    zero = dict.fromkeys(count_rules(), 0)  # the rules built once, not once per correction
    names = ("team_id", *zero)
    rows = read_rows(_team_tally_query, team_ids, org_wide=False, names=names, within=within)
    if rows and rows[0]["team_id"] is None:
        # The tallies count by other rules than this code's (new rules deployed before the
        # migration installing them, or a process not restarted after it): the team counts are
        # counted by this code's rules, as before the tallies; one query more.
        rows = read_rows(_team_counts_query, team_ids, org_wide=False, within=within)
    by_team = {row.pop("team_id"): row for row in rows}
    corrections = _corrections(team_ids, now, within)
    for row in corrections:
        if row["team_id"] not in by_team:
            by_team[row["team_id"]] = dict(zero)
        _correct(by_team[row["team_id"]], row)
    return by_team, corrections


def _goal_counts_query(where: Q, kind: str | None = None):
    signed = Q(status=Status.ACTIVE, signable=True, phase__in=SIGNED_PHASES)
    return (
        counts_of(GoalCount, kind)
        .filter(where)
        .values("goal_id")
        .annotate(
            total=_added(default=0),
            **{s.value: _added(filter=Q(status=s), default=0) for s in Status},
            signed=_added(filter=signed, default=0),
            overdue=_added(filter=Q(phase=Phase.OVERDUE), default=0),
        )
        .order_by()
    )


def goal_counts(team_ids, corrections: list[dict], within: Within | None = None) -> dict:
    """Per goal, the use cases (``within`` a goal or product, if given) serving it or a goal
    beneath it (each once): the total, each status, signed and overdue, as the goal tree shows
    them; ``corrections`` from ``team_counts`` of the same scope."""
    rows = read_rows(_goal_counts_query, team_ids, within=within)
    by_goal = {row.pop("goal_id"): row for row in rows}
    for row in corrections:
        for goal_id in row["goal_closure"]:
            counts = by_goal.setdefault(goal_id, {})
            for name in ("signed", "overdue"):
                counts[name] = counts.get(name, 0) + row[f"new_{name}"] - row[f"old_{name}"]
    return by_goal


def _goal_evidence_query(where: Q, kind: str | None = None):
    rows = counts_of(GoalEvidenceCount, kind).filter(where)
    return rows.values("goal_id", "evidence_status").annotate(total=_added()).order_by()


def goal_evidence(team_ids, within: Within | None = None) -> dict[int, dict[str, int]]:
    """Measured use cases (``within`` a goal or product, if given) naming each goal directly,
    per evidence status; within a goal, the goals beneath it alone."""
    return by_evidence_status(read_rows(_goal_evidence_query, team_ids, within=within), "goal_id")


def _area_evidence_query(where: Q, kind: str | None = None):
    rows = counts_of(AreaCount, kind).filter(where)
    return rows.values("evidence_area", "evidence_status").annotate(total=_added()).order_by()


def area_evidence(team_ids, within: Within | None = None) -> dict[str, dict[str, int]]:
    """Measured use cases (``within`` a goal or product, if given) per evidence area ('' for
    none), per evidence status."""
    rows = read_rows(_area_evidence_query, team_ids, within=within)
    return by_evidence_status(rows, "evidence_area")


def _product_evidence_query(where: Q, kind: str | None = None):
    measured = {
        status.value: _added(filter=Q(measured=True, evidence_status=status), default=0)
        for status in EvidenceStatus
    }
    return (
        counts_of(ProductCount, kind)
        .filter(where)
        .values("product_id")
        .annotate(open_use_cases=_added(filter=Q(live=True), default=0), **measured)
        .order_by()
    )


def product_evidence(
    team_ids, within: Within | None = None
) -> tuple[dict[int, dict[str, int]], set[int]]:
    """Measured use cases (``within`` a goal, if given) running on each product, per evidence
    status; and the products an open one runs on. One query, a row per product. ``within`` a
    product: that product's alone (the only one a product's dashboard lists)."""
    return by_product(read_rows(_product_evidence_query, team_ids, within=within))


# The earliest wait of a status: the first entry of the index on waiting facts (in waiting
# order), in all or per team (each team's first entry, then the earliest of those). Within a goal
# or product, the first entry in it: among the first ``_WALKED`` entries (exact, the index being
# in order) or, if none is in it, the earliest of its use cases waiting in the status, found
# through the index on those (``_FOUND``). The walk alone would read the whole index for a goal
# with a few use cases; the index alone, a tenth of the registry for a top goal.
_ENTRIES = """(SELECT f.waiting_since{ids} FROM usecases_usecasefact f
     WHERE f.status = %({status})s AND f.waiting_since IS NOT NULL{team}
     ORDER BY f.waiting_since LIMIT {bound}) AS w"""
_IN = " WHERE w.ids @> ARRAY[%(within)s]::bigint[]"
_FIRST = "(SELECT w.waiting_since FROM {entries}{matching} ORDER BY 1 LIMIT 1)"
_PER_TEAM = """(SELECT min(first.w) FROM unnest(%(teams)s::bigint[]) AS team(id), LATERAL
     (SELECT w.waiting_since AS w FROM {entries}{matching} ORDER BY 1 LIMIT 1) first)"""
# The facts waiting in the status within the goal or product, through the index on those alone
# (``usecases`` migration 0027): materialized, so the planner cannot walk the waiting index instead.
_FOUND = """(WITH s AS MATERIALIZED (
       SELECT f.waiting_since FROM usecases_usecasefact f
       WHERE f.{array} @> ARRAY[%(within)s]::bigint[]
         AND f.status = %({status})s AND f.waiting_since IS NOT NULL)
     SELECT min(s.waiting_since) FROM s)"""
# With a team filter, the teams' own waiting use cases in the goal or product (the index on
# waiting facts per team, or the array's, as the planner finds cheaper), not the whole goal's.
_FOUND_IN_TEAMS = """(SELECT min(f.waiting_since) FROM usecases_usecasefact f
     WHERE f.{array} @> ARRAY[%(within)s]::bigint[] AND f.team_id = ANY(%(teams)s::bigint[])
       AND f.status = %({status})s AND f.waiting_since IS NOT NULL)"""
_WALKED = 2000
# With a team filter as well, each team's entries are walked until one is in the goal or
# product, unless it holds so few use cases that finding them all costs less.
_FOUND_FIRST_UP_TO = 5000


def _waiting_sql(status: str, team_ids, within: Within | None, scope: dict | None) -> str:
    """The earliest wait of ``status`` among the facts of ``team_ids`` (None: all) ``within`` a
    goal or product (None: everywhere). ``scope``, what the summary counted there (``total`` and
    each status), spares the search where none waits."""
    if scope is not None and not scope.get(status):
        return "NULL::timestamptz"
    team = "" if team_ids is None else " AND f.team_id = team.id"
    if within is None:
        entries = _ENTRIES.format(ids="", status=status, team=team, bound=1)
        return (_FIRST if team_ids is None else _PER_TEAM).format(entries=entries, matching="")
    array = FACT_ARRAY[within.kind]
    if team_ids is None:
        entries = _ENTRIES.format(ids=f", f.{array} AS ids", status=status, team="", bound=_WALKED)
        found = _FOUND.format(array=array, status=status)
        return f"coalesce({_FIRST.format(entries=entries, matching=_IN)}, {found})"
    if scope is not None and scope.get("total", 0) <= _FOUND_FIRST_UP_TO:
        return _FOUND_IN_TEAMS.format(array=array, status=status)
    entries = _ENTRIES.format(ids=f", f.{array} AS ids", status=status, team=team, bound="ALL")
    return _PER_TEAM.format(entries=entries, matching=_IN)


def oldest_waiting(
    team_ids, within: Within | None = None, scope: dict | None = None
) -> dict[str, datetime | None]:
    """Since when the longest-waiting use case in review, and awaiting sign-off, has waited
    (``waiting_since``: the open review's submission, the open transfer's request or the last
    approval, as ``DashboardScope.oldest_waiting`` reads them), of those ``within`` a goal or
    product if given (``scope``: the counts the summary read there): one query, always."""
    statuses = (Status.IN_REVIEW.value, Status.AWAITING_SIGN_OFF.value)
    firsts = [_waiting_sql(status, team_ids, within, scope) for status in statuses]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join(firsts),
            {"teams": list(team_ids or ()), "within": within and within.pk}
            | {status: status for status in statuses},
        )
        return dict(zip(statuses, cursor.fetchone(), strict=True))


__all__ = [
    "Within",
    "advance_summary_clock",
    "area_evidence",
    "compact_summary",
    "goal_counts",
    "goal_evidence",
    "oldest_waiting",
    "product_evidence",
    "team_counts",
]
