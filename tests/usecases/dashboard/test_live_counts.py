"""The dashboard's live path, counted from the use cases themselves (``live.count_selected``) and
from their summary facts (``live.count_facts``: what a product filter or a goal linked directly
shows, where no summary table answers), and the summary's counts of a goal with its sub-goals,
against a fresh count of each thing it groups: one plain aggregate per
team, tree goal, goal, product, evidence area and profile, and the oldest waits, on random
registries under every filter combination, with the standards' profiles on and off.

``test_summary.py`` holds the summary and the facts to the use cases after random changes through
every write path; here both ways of counting are held to plain aggregates."""

import random
from datetime import timedelta

import pytest
from django.db.models import Count, Min, Q
from django.http import QueryDict
from django.utils import timezone

from tests.conftest import advance_usecase, make_usecase
from tests.factories import GoalFactory, ProductFactory
from tests.usecases.dashboard.test_dashboard_random import (
    SEEDS,
    filter_combinations,
    random_registry,
)
from usecases.choices import MEASURABLE_STATUSES, Status
from usecases.concerns import LIVE_STATUSES
from usecases.dashboard import DashboardScope, scope_data, summary
from usecases.dashboard.counts import Counts, count_columns
from usecases.dashboard.scope import children_of, subtree_ids
from usecases.filters import UseCaseFilter
from usecases.models import OwnershipTransfer, Review, UseCase
from usecases.profiles import PROFILES

pytestmark = pytest.mark.django_db


def scope_of(query: str, *, live: bool, profiles=(), products_only=False) -> DashboardScope:
    """The dashboard's scope of ``query``; ``live``: counted from the use cases, else (under a
    product or goal filter, and for ``not_reportable``) from their facts."""
    filterset = UseCaseFilter(
        scope_data(QueryDict(query.lstrip("?"))),
        queryset=UseCase.objects.all(),
        custom_fields=False,
    )
    return DashboardScope.from_filter(
        filterset, live=live, profiles=profiles, products_only=products_only
    )


def counted(usecases, now) -> Counts:
    return Counts(usecases.aggregate(**count_columns(now)))


def linked_to(usecases, model, field: str, ids):
    """The use cases linked to any of ``ids`` through ``model`` (a link table), each once."""
    return usecases.filter(pk__in=model.objects.filter(**{f"{field}__in": ids}).values("usecase"))


def fresh_counts(scope: DashboardScope) -> dict:
    """Each grouping of the live path, counted one aggregate at a time."""
    usecases, now = scope.usecases, scope.now
    measured = usecases.filter(status__in=MEASURABLE_STATUSES)
    goal_link, product_link = UseCase.goals.through, UseCase.products.through
    teams = set(usecases.values_list("team_id", flat=True))
    children = children_of(scope.goals)
    goal_evidence = {}
    for goal in scope.goals:
        rows = linked_to(measured, goal_link, "strategicgoal", [goal.pk])
        by_status = dict(rows.values_list("evidence_status").annotate(n=Count("pk")))
        if by_status:
            goal_evidence[goal.pk] = by_status
    product_ids = set(product_link.objects.filter(usecase__in=usecases).values_list("product"))
    product_evidence, used = {}, set()
    for (pk,) in product_ids:
        running = linked_to(usecases, product_link, "product", [pk])
        measured_here = linked_to(measured, product_link, "product", [pk])
        by_status = dict(measured_here.values_list("evidence_status").annotate(n=Count("pk")))
        if by_status:  # as the goals': a product none measured runs on has no tally
            product_evidence[pk] = by_status
        if running.filter(status__in=LIVE_STATUSES).exists():
            used.add(pk)
    areas = {}
    for area, status, n in measured.values_list("evidence_area", "evidence_status").annotate(
        n=Count("pk")
    ):
        areas.setdefault(area, {})[status] = n
    return {
        "by_team": {pk: counted(usecases.filter(team_id=pk), now) for pk in teams},
        "goal_rollups": {
            goal.pk: counted(
                linked_to(usecases, goal_link, "strategicgoal", subtree_ids(goal.pk, children)),
                now,
            )
            for goal, _ in scope.goal_tree
        },
        "goal_evidence": goal_evidence,
        "product_evidence": (product_evidence, used),
        "area_evidence": areas,
        "not_reportable": {
            profile.key: usecases.filter(profile.not_reportable).count()
            for profile in scope.profiles
        },
    }


# What the summary's per-goal counts give a goal tree's roll-up (``summary.goal_counts``).
TREE_COLUMNS = ("total", *Status.values, "signed", "overdue")


def as_the_summary_counts(scope: DashboardScope, expected: dict) -> dict:
    """``expected`` as the summary answers within a goal (with its sub-goals) or a product: each
    roll-up with the goal tree's columns alone (the others zero); within a goal, the evidence of
    the tree's goals alone (the only ones its table lists); within a product, that product's
    evidence and use alone (the only ones its tables list)."""
    rollups = {
        pk: Counts.zero() + Counts({name: counts[name] for name in TREE_COLUMNS})
        for pk, counts in expected["goal_rollups"].items()
    }
    expected = expected | {"goal_rollups": rollups}
    if scope.summary_within.kind == "goal":
        tree = {goal.pk for goal, _ in scope.goal_tree}
        evidence = {pk: tally for pk, tally in expected["goal_evidence"].items() if pk in tree}
        return expected | {"goal_evidence": evidence}
    product = scope.summary_within.pk
    evidence, used = expected["product_evidence"]
    mine = ({pk: tally for pk, tally in evidence.items() if pk == product}, used & {product})
    return expected | {"product_evidence": mine}


@pytest.mark.parametrize("live", [True, False], ids=["use cases", "facts or summary"])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_grouping_equals_a_fresh_count(org, seed, live):
    registry = random_registry(org, random.Random(seed))
    org.other_team.parent = org.team  # a sub-unit: "this team only" leaves its use cases out
    org.other_team.save()
    queries = [
        *filter_combinations(org, registry),
        f"?goal={registry.goal.pk}&subgoals=on",  # its parent outside the tree
        f"?goal={registry.child.pk}&subgoals=on",  # a leaf
        f"?product={registry.unused.slug}",  # nothing selected
        f"?team={org.team.slug}&product={registry.second.slug}",
        f"?team={org.team.slug}&goal={registry.root.pk}&subgoals=on",
        f"?team={org.team.slug}&subunits=none&goal={registry.root.pk}&subgoals=on",
    ]
    selected = 0
    for query in queries:
        for profiles in (tuple(PROFILES.values()), ()):
            scope = scope_of(query, live=live, profiles=profiles)
            if scope.summarised and scope.summary_within is None:
                continue  # unfiltered or by team: test_summary holds the summary's tables
            expected = fresh_counts(scope)
            if scope.summary_within is not None:  # a goal's or product's own count tables
                expected = as_the_summary_counts(scope, expected)
            for name, value in expected.items():
                assert getattr(scope, name) == value, (query, name)
            # A page of the products alone reads their groupings alone, alike.
            products = scope_of(query, live=live, products_only=True).product_evidence
            assert products == expected["product_evidence"], query
            selected += sum(counts["total"] for counts in expected["by_team"].values())
    assert selected > 8 * len(queries)  # the scopes hold use cases: nothing agrees vacuously


@pytest.mark.parametrize("live", [True, False], ids=["use cases", "facts or summary"])
@pytest.mark.parametrize(
    "query",
    ["product={product}", "goal={goal}&subgoals=on", "team={team}&goal={goal}&subgoals=on",
     "team={team}&product={product}"],
)  # fmt: skip
@pytest.mark.parametrize("search", ["as configured", "walk 1 entry, find none first"])
def test_the_oldest_waits_are_those_of_the_selected_use_cases(
    org, live, query, search, monkeypatch
):
    """The earliest waits of the use cases in scope, to the microsecond. Within a goal or
    product the summary walks the first index entries, then finds its use cases if none of
    those is in it; with a team, it walks each team's entries unless the scope is small: each
    way is taken here (the longest wait, elsewhere, is the index's first entry)."""
    if search != "as configured":
        monkeypatch.setattr(summary, "_WALKED", 1)
        monkeypatch.setattr(summary, "_FOUND_FIRST_UP_TO", -1)
    now = timezone.now()
    waiting = [
        advance_usecase(make_usecase(org=org, title=f"Waiting {n}"), org=org, to=status)
        for n, status in enumerate(["in_review", "in_review", "awaiting_sign_off"] * 2)
    ]
    for n, usecase in enumerate(waiting):
        moment = now - timedelta(days=n + 1, microseconds=1_000 * n + 7)
        reviews = Review.objects.filter(usecase=usecase)
        reviews.filter(decided_at__isnull=True).update(submitted_at=moment)
        reviews.filter(decision="approved").update(decided_at=moment)
    # Waiting longer, on another product and serving another goal: not in the scope.
    other = make_usecase(
        org=org, title="Elsewhere", products=[ProductFactory(team=org.team)], goals=[GoalFactory()]
    )
    advance_usecase(other, org=org, to="in_review")
    Review.objects.filter(usecase=other).update(submitted_at=now - timedelta(days=90))

    # Waiting longer still, on the product and serving the goal, in another team: in the scope
    # unless it is filtered by team.
    neighbour = make_usecase(org=org, team=org.other_team, title="Next door")
    advance_usecase(neighbour, org=org, to="in_review")
    Review.objects.filter(usecase=neighbour).update(submitted_at=now - timedelta(days=120))
    in_scope = waiting if "team=" in query else [*waiting, neighbour]

    filters = {"product": org.product.slug, "goal": org.goal.pk, "team": org.team.slug}
    scope = scope_of("?" + query.format(**filters), live=live)
    selected = UseCase.objects.filter(pk__in=[usecase.pk for usecase in in_scope])
    oldest_review = Review.objects.filter(
        usecase__in=selected.filter(status=Status.IN_REVIEW), decided_at__isnull=True
    ).aggregate(at=Min("submitted_at"))["at"]
    approvals = Review.objects.filter(
        usecase__in=selected.filter(status=Status.AWAITING_SIGN_OFF), decision="approved"
    )
    assert not OwnershipTransfer.objects.filter(Q(usecase__in=selected)).exists()
    oldest_sign_off = approvals.aggregate(at=Min("decided_at"))["at"]
    assert oldest_review is not None and oldest_sign_off is not None
    assert scope.oldest_waiting == (oldest_review, oldest_sign_off)
    # Microseconds come through as they were stored.
    assert scope.oldest_waiting[0].microsecond == oldest_review.microsecond


@pytest.mark.parametrize("kind", ["goal", "product"])
def test_a_wait_the_walk_misses_is_found_among_the_waiting_use_cases_alone(org, kind):
    """Within a goal or product whose use cases the walk down the waiting index does not reach,
    the longest wait of each status is found through the index on the use cases waiting in that
    status (``usecases`` migration 0027), not among every use case of the goal or product: the
    plan PostgreSQL makes when told to avoid reading the table names both indexes."""
    from tests.plans import plan_avoiding_table_reads
    from usecases.models import UseCaseFact

    # Facts as a large registry holds them (written straight into the table: what the triggers
    # keep from them does not matter here), spread over 40 goals and 40 products, a third
    # waiting, and the statistics PostgreSQL plans by.
    statuses = ["draft", "in_review", "awaiting_sign_off", "active", "retired", "in_review"]
    UseCaseFact.objects.bulk_create(
        UseCaseFact(
            usecase_id=10**9 + n, number=10**9 + n, team_id=org.team.pk, owner_id=None,
            status=statuses[n % 6], lifecycle_stage="", evidence_status="", evidence_area="",
            owner_state="none", imported=False, changed=False, no_goal=False,
            goal_ids=[10**9 + n % 40], goal_closure=[10**9 + n % 40],
            product_ids=[10**9 + n % 40], phase="", unreportable=[],
            waiting_since=timezone.now() if statuses[n % 6] in summary_statuses() else None,
        )
        for n in range(4000)
    )  # fmt: skip
    within = summary.Within(kind, 10**9 + 7)
    firsts = [summary._waiting_sql(status, None, within, None) for status in summary_statuses()]
    plan = plan_avoiding_table_reads(
        "SELECT " + ", ".join(firsts),
        {"within": within.pk} | {status: status for status in summary_statuses()},
        analyze="usecases_usecasefact",
    )
    for short in ("review", "signoff"):
        assert f"Bitmap Index Scan on usecasefact_{short}_{kind}s" in plan, plan


def summary_statuses() -> tuple[str, str]:
    return (Status.IN_REVIEW.value, Status.AWAITING_SIGN_OFF.value)


def test_a_moment_is_read_as_postgresql_writes_it_and_nothing_else_is_taken_for_none():
    """The oldest waits come back in JSON: each moment PostgreSQL writes there is read as that
    moment, to the microsecond; a value that is not a moment is refused, not shown as "none
    waiting"."""
    from django.db import connection

    from usecases.dashboard.live import _moment

    moments = [
        timezone.now().replace(microsecond=123456),
        timezone.now().replace(microsecond=0) - timedelta(days=400),
    ]
    with connection.cursor() as cursor:
        for moment in moments:
            cursor.execute("SELECT to_json(%s::timestamptz) #>> '{}'", [moment])
            (written,) = cursor.fetchone()
            assert _moment(written) == moment
    assert _moment(None) is None
    for garbage in ("", "yesterday", "2026-13-40T25:00:00"):
        with pytest.raises(ValueError):
            _moment(garbage)


def test_only_plain_names_are_written_into_the_statement():
    from django.core.exceptions import ImproperlyConfigured

    from usecases.dashboard.live import _named

    assert _named(iter(["on_track", "off_track", "no_data"])) == [
        "on_track",
        "off_track",
        "no_data",
    ]
    for bad in (['x"; DROP TABLE usecases_usecase; --'], ["two words"], [""], ["ok", "1st"]):
        with pytest.raises(ImproperlyConfigured):
            _named(bad)
