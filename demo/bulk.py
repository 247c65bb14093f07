"""DEMO DATA ONLY: generated use cases on top of the demo organisation, for scale work
(``manage.py seed_demo --use-cases N``, ``benchmarks/seed_scale.py``).

``bulk_add_usecases()`` adds any number of use cases recombined from the demo texts, with
``bulk_create`` in batches, so list, search and dashboard speed can be measured at scale. Those
rows skip the workflow: their status is set directly (see ``bulk_add_usecases``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

import pgtrigger
from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.utils import timezone

from demo import data
from demo.data import DemoDataError
from demo.lifecycle import lifecycle_of
from portfolio.models import Membership, Product, StrategicGoal
from usecases.choices import Source, Status
from usecases.models import LINK_SET_TRIGGERS, NUMBER_SEQUENCE, UseCase

# Generated rows: roughly the status mix of a registry that has been in use for a few years.
BULK_STATUS_WEIGHTS = {
    Status.DRAFT: 30,
    Status.IN_REVIEW: 10,
    Status.AWAITING_SIGN_OFF: 8,
    Status.ACTIVE: 40,
    Status.DECLINED: 5,
    Status.RETIRED: 7,
}
# Share of generated drafts left unfinished: no owner, no success signal, no metric.
BULK_UNFINISHED_DRAFTS = 0.4
# Variants of a demo title, as the same idea comes back for another region, phase or audience.
BULK_TITLE_VARIANTS = [
    "pilot",
    "phase 2",
    "national roll-out",
    "northern region",
    "southern region",
    "eastern region",
    "western region",
    "appeals",
    "reassessments",
    "new claims",
    "overseas claimants",
    "representatives",
    "partner organisations",
    "employer accounts",
    "peak season",
    "weekend service",
    "night shift",
    "mailroom",
    "second iteration",
    "scale-up",
]
# Rows per INSERT: large enough to amortise the round trip, small enough to keep memory flat.
BULK_BATCH_SIZE = 5000
# A fixed seed, so every scale run measures the same data.
BULK_SEED = 2026
# Share of generated active use cases whose attestation is overdue.
BULK_OVERDUE_SHARE = 0.1
# Statuses whose generated rows carry sign-off dates: signed once, whatever happened since.
BULK_SIGNED_STATUSES = frozenset({Status.ACTIVE, Status.RETIRED})


def bulk_add_usecases(*, count: int) -> None:
    """Add ``count`` use cases to the demo organisation for scale work, in one transaction.

    Texts, people, products and goals are recombined from the demo, so search and filters meet
    realistic data. Rows go in with ``bulk_create`` and are linked through the many-to-many tables
    directly. They carry ``source=demo`` and an empty external reference, which the unique
    constraint ignores.

    Bulk rows skip the workflow: their status is set directly, and they get no events, revisions,
    reviews, sign-offs or notifications (the database's history triggers still record each
    insert, so their timelines show them as created outside the registry's pages). They give
    lists, search and dashboards their volume; a workflow history per row would multiply the
    writes for data no scale run reads. So that dashboards treat them sensibly, active and retired
    rows carry the dates a sign-off would have left (``signed_off_at``,
    ``attestation_expires_at``), about one active row in ten with its attestation overdue.
    """
    generator = _BulkGenerator.from_demo()
    with transaction.atomic():
        # Check foreign keys at the end of each INSERT rather than at commit. Django creates them
        # DEFERRABLE INITIALLY DEFERRED, so every row would queue its checks until commit, and
        # the history trigger's exception block (pghistory's context lookup, a subtransaction
        # per row) scans that queue when it ends: time per batch grew with every batch, 100,000
        # rows took minutes. Bulk rows only reference rows that exist already.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for start in range(0, count, BULK_BATCH_SIZE):
            generator.insert(size=min(BULK_BATCH_SIZE, count - start))
            # Under DEBUG, Django keeps the SQL of every query: here, each batch's data once more.
            reset_queries()


@dataclass(frozen=True)
class _BulkTeam:
    pk: int
    member_ids: list[int]


@dataclass(frozen=True)
class _BulkRow:
    usecase: UseCase
    product_ids: list[int]
    goal_ids: list[int]


class _BulkGenerator:
    """Builds unsaved use cases from the demo's texts and reference rows."""

    def __init__(
        self,
        *,
        rows: list[dict],
        teams: list[_BulkTeam],
        product_ids: list[int],
        goal_ids: list[int],
    ):
        self.rng = random.Random(BULK_SEED)
        self.rows = rows
        self.measures = [data.measures(row) for row in rows]
        self.whos = [row["who"] for row in rows if row["who"]]
        self.signals = [row["success_signal"] for row in rows if row["success_signal"]]
        self.teams = teams
        self.product_ids = product_ids
        self.goal_ids = goal_ids
        self.now = timezone.now()
        self.valid = timedelta(days=settings.SIGN_OFF_VALID_DAYS)
        # Signed at a random moment within this span before now: the oldest part has expired.
        self.signed_span = self.valid / (1 - BULK_OVERDUE_SHARE)

    @classmethod
    def from_demo(cls) -> _BulkGenerator:
        organisation = data.load("organisation.json")
        products = Product.objects.filter(
            slug__in=[row["slug"] for row in organisation["products"]]
        )
        goals = StrategicGoal.objects.filter(
            title__in=[row["title"] for row in organisation["goals"]]
        )
        return cls(
            rows=data.load("usecases.json")["usecases"],
            teams=_demo_teams(slugs=[row["slug"] for row in organisation["teams"]]),
            product_ids=list(products.values_list("pk", flat=True)),
            goal_ids=list(goals.values_list("pk", flat=True)),
        )

    def insert(self, *, size: int) -> None:
        statuses = self.rng.choices(
            list(BULK_STATUS_WEIGHTS), weights=list(BULK_STATUS_WEIGHTS.values()), k=size
        )
        numbers = _take_numbers(count=size)
        rows = [self._row(status=s, number=n) for s, n in zip(statuses, numbers, strict=True)]
        UseCase.objects.bulk_create([row.usecase for row in rows])
        _link(rows)

    def _row(self, *, status: Status, number: int) -> _BulkRow:
        """One demo row's title, problem and metric, with another's intent and a third's people."""
        rng = self.rng
        index = rng.randrange(len(self.rows))
        source, other = self.rows[index], rng.choice(self.rows)
        team = rng.choice(self.teams)
        unfinished = status == Status.DRAFT and rng.random() < BULK_UNFINISHED_DRAFTS
        signed_off_at = (
            self.now - self.signed_span * rng.random() if status in BULK_SIGNED_STATUSES else None
        )
        usecase = UseCase(
            number=number,
            **({} if unfinished else self.measures[index]),
            title=f"{source['title']} ({rng.choice(BULK_TITLE_VARIANTS)})"[:200],
            who=rng.choice(self.whos),
            problem=f"{source['problem']} {other['problem']}",
            success_signal="" if unfinished else rng.choice(self.signals),
            business_intent=other["business_intent"],
            team_id=team.pk,
            author_id=rng.choice(team.member_ids),
            owner_id=None if unfinished else rng.choice(team.member_ids),
            status=status,
            signed_off_at=signed_off_at,
            attestation_expires_at=signed_off_at + self.valid if signed_off_at else None,
            source=Source.DEMO,
            **lifecycle_of(status, index=number, today=self.now.date()),
        )
        return _BulkRow(
            usecase=usecase,
            product_ids=rng.sample(self.product_ids, rng.randint(1, 2)),
            goal_ids=rng.sample(self.goal_ids, rng.randint(1, 2)),
        )


def _link(rows: list[_BulkRow]) -> None:
    """The rows' products and goals, through the link tables directly."""
    ProductLink, GoalLink = UseCase.products.through, UseCase.goals.through
    # Each link table's trigger would rewrite the batch's use cases to keep their id arrays;
    # rewrite them once, after both, instead.
    with pgtrigger.ignore(*LINK_SET_TRIGGERS):
        ProductLink.objects.bulk_create(
            ProductLink(usecase_id=row.usecase.pk, product_id=pk)
            for row in rows
            for pk in row.product_ids
        )
        GoalLink.objects.bulk_create(
            GoalLink(usecase_id=row.usecase.pk, strategicgoal_id=pk)
            for row in rows
            for pk in row.goal_ids
        )
    UseCase.objects.filter(pk__in=[row.usecase.pk for row in rows]).update(goal_ids=[])


def _demo_teams(*, slugs: list[str]) -> list[_BulkTeam]:
    """The demo teams with their members; refuses when the base demo has not been seeded."""
    members: dict[int, list[int]] = {}
    memberships = Membership.objects.filter(team__slug__in=slugs).values_list("team_id", "user_id")
    for team_id, user_id in memberships:
        members.setdefault(team_id, []).append(user_id)
    if len(members) < len(slugs):
        raise DemoDataError("The demo organisation is missing: run seed_demo first.")
    return [_BulkTeam(pk=pk, member_ids=ids) for pk, ids in members.items()]


def _take_numbers(*, count: int) -> list[int]:
    """Draw use-case numbers from their sequence ahead of the insert. Left to the database default,
    every row would carry an expression, which rules out PostgreSQL's UNNEST bulk insert: one
    placeholder per row and field instead of one per field, twice as slow at 100,000 rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [NUMBER_SEQUENCE, count]
        )
        return [number for (number,) in cursor.fetchall()]
