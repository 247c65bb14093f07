"""A believable demo organisation, and generated use cases on top of it for scale work.

``seed_demo()`` builds teams, people, products, goals and 60 use cases from the JSON files in
``demo_data/``. The use-case texts are real problems and intents from the US federal AI use-case
inventory 2025 (public domain; each row records its agency and inventory id), so search, lists and
dashboards show what a registry really holds, including a few drafts left deliberately incomplete.

Every row is found by a natural key (username, slug, goal title, external reference) and created
only when missing; nothing that exists is changed. Reseeding is therefore safe at any time and
never undoes what someone did while trying the demo.

``bulk_add_usecases()`` adds any number of use cases recombined from the demo texts, with
``bulk_create`` in batches, so list, search and dashboard speed can be measured at scale.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, reset_queries, transaction
from django.db.models import Model

from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole
from portfolio.models import Membership, Product, StrategicGoal, Team
from usecases.choices import Source, Status
from usecases.models import NUMBER_SEQUENCE, UseCase
from usecases.services import usecase_create

DEMO_PASSWORD = "demo-registry-2026"
DATA_DIR = Path(__file__).resolve().parent / "demo_data"
ROLE_GROUPS = {"reviewer": REVIEWERS_GROUP, "admin": ADMINS_GROUP}

# Use-case fields read from usecases.json as they are.
TEXT_FIELDS = ["title", "who", "problem", "success_signal", "business_intent"]
# Priority inputs and the success metric: a generated use case borrows them whole from one demo row.
MEASURE_FIELDS = [
    "business_value",
    "effort",
    "metric_name",
    "metric_unit",
    "metric_direction",
    "metric_baseline",
    "metric_target",
    "evidence_area",
]


class DemoDataError(Exception):
    """The demo data files contradict themselves, or the base demo is missing from the database."""


@dataclass
class SeedReport:
    """Per kind of row, in seeding order: how many the seed created and how many it found."""

    created: Counter = field(default_factory=Counter)
    present: Counter = field(default_factory=Counter)

    def record(self, model: type[Model], *, created: bool) -> None:
        # Both counters get every kind, so either lists the kinds in seeding order.
        kind = str(model._meta.verbose_name_plural)
        self.created[kind] += int(created)
        self.present[kind] += int(not created)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


@dataclass
class Organisation:
    """The demo's reference rows from the database, keyed the way the JSON files refer to them."""

    teams: dict[str, Team]
    users: dict[str, AbstractBaseUser]
    products: dict[str, Product]
    goals: dict[str, StrategicGoal]


def _load(name: str) -> dict:
    """A file from ``demo_data/``; numbers with a fraction load as Decimal, as the model stores them."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"), parse_float=Decimal)


def demo_logins() -> list[DemoLogin]:
    """The accounts to try the registry with, one per role."""
    return [
        DemoLogin(username=user["username"], role=user["demo_role"])
        for user in _load("organisation.json")["users"]
        if "demo_role" in user
    ]


def seed_demo() -> SeedReport:
    """Create whatever part of the demo organisation is missing, in one transaction."""
    data = _load("organisation.json")
    report = SeedReport()
    with transaction.atomic():
        teams = {row["slug"]: _seed_team(row, report=report) for row in data["teams"]}
        users = _seed_users(data["users"], report=report)
        _seed_memberships(data["memberships"], teams=teams, users=users, report=report)
        products = {
            row["slug"]: _seed_product(row, teams=teams, users=users, report=report)
            for row in data["products"]
        }
        goals = _seed_goals(data["goals"], users=users, report=report)
        org = Organisation(teams=teams, users=users, products=products, goals=goals)
        members = _team_members(data["memberships"])
        for row in _load("usecases.json")["usecases"]:
            _seed_usecase(row, org=org, members=members, report=report)
    return report


def _seed_team(row: dict, *, report: SeedReport) -> Team:
    team, created = Team.objects.get_or_create(
        slug=row["slug"],
        defaults={"name": row["name"], "kind": row["kind"], "description": row["description"]},
    )
    report.record(Team, created=created)
    return team


def _seed_users(rows: list[dict], *, report: SeedReport) -> dict[str, AbstractBaseUser]:
    """The demo users share one published password, hashed once rather than once per user: key
    stretching is slow on purpose and would cost seconds on every fresh seed."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    users = {}
    for row in rows:
        user, created = User.objects.get_or_create(
            username=row["username"],
            defaults={
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "email": row["email"],
                "password": password,
            },
        )
        if created:
            user.groups.set(
                [Group.objects.get(name=ROLE_GROUPS[role]) for role in row.get("roles", [])]
            )
        report.record(User, created=created)
        users[row["username"]] = user
    return users


def _seed_memberships(
    memberships: dict,
    *,
    teams: dict[str, Team],
    users: dict[str, AbstractBaseUser],
    report: SeedReport,
) -> None:
    for slug, roles in memberships.items():
        for role, usernames in roles.items():
            for username in usernames:
                _, created = Membership.objects.get_or_create(
                    team=teams[slug], user=users[username], defaults={"role": MembershipRole(role)}
                )
                report.record(Membership, created=created)


def _seed_product(
    row: dict,
    *,
    teams: dict[str, Team],
    users: dict[str, AbstractBaseUser],
    report: SeedReport,
) -> Product:
    product, created = Product.objects.get_or_create(
        slug=row["slug"],
        defaults={
            "name": row["name"],
            "team": teams[row["team"]],
            "manager": users[row["manager"]],
            "vision": row["vision"],
            "lifecycle": row["lifecycle"],
        },
    )
    report.record(Product, created=created)
    return product


def _seed_goals(
    rows: list[dict], *, users: dict[str, AbstractBaseUser], report: SeedReport
) -> dict[str, StrategicGoal]:
    """Goals have no natural key but their title; a parent is listed before its children."""
    goals: dict[str, StrategicGoal] = {}
    for row in rows:
        goal, created = StrategicGoal.objects.get_or_create(
            title=row["title"],
            defaults={
                "description": row["description"],
                "owner": users[row["owner"]],
                "parent": goals[row["parent"]] if "parent" in row else None,
                "period": row["period"],
                "status": row["status"],
            },
        )
        report.record(StrategicGoal, created=created)
        goals[row["key"]] = goal
    return goals


def _team_members(memberships: dict) -> dict[str, set[str]]:
    return {
        slug: {username for usernames in roles.values() for username in usernames}
        for slug, roles in memberships.items()
    }


def _seed_usecase(
    row: dict, *, org: Organisation, members: dict[str, set[str]], report: SeedReport
) -> None:
    """Create through the service, so the use case gets its "created" event like any other; the
    status is set afterwards because the review and sign-off services do not exist yet."""
    exists = UseCase.objects.filter(source=Source.DEMO, external_ref=row["ref"]).exists()
    if not exists:
        if row["author"] not in members[row["team"]]:
            raise DemoDataError(f"{row['ref']}: {row['author']} is not in team {row['team']}.")
        usecase = usecase_create(actor=org.users[row["author"]], data=_usecase_data(row, org=org))
        UseCase.objects.filter(pk=usecase.pk).update(
            status=Status(row["status"]), source=Source.DEMO, external_ref=row["ref"]
        )
    report.record(UseCase, created=not exists)


def _usecase_data(row: dict, *, org: Organisation) -> dict:
    return {
        **{name: row[name] for name in TEXT_FIELDS},
        **_measures(row),
        "team": org.teams[row["team"]],
        "owner": org.users[row["owner"]] if row["owner"] else None,
        "products": [org.products[slug] for slug in row["products"]],
        "goals": [org.goals[key] for key in row["goals"]],
    }


def _measures(row: dict) -> dict:
    target_date = row["metric_target_date"]
    return {
        **{name: row[name] for name in MEASURE_FIELDS},
        "metric_target_date": date.fromisoformat(target_date) if target_date else None,
    }


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


def bulk_add_usecases(*, count: int) -> None:
    """Add ``count`` use cases to the demo organisation for scale work, in one transaction.

    Texts, people, products and goals are recombined from the demo, so search and filters meet
    realistic data. Rows go in with ``bulk_create`` and are linked through the many-to-many tables
    directly. They carry ``source=demo`` and an empty external reference, which the unique
    constraint ignores. No "created" events are written: bulk rows give lists, search and
    dashboards their volume, and an event per row would double the write for a history no scale
    run reads.
    """
    generator = _BulkGenerator.from_demo()
    with transaction.atomic():
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
        self.measures = [_measures(row) for row in rows]
        self.whos = [row["who"] for row in rows if row["who"]]
        self.signals = [row["success_signal"] for row in rows if row["success_signal"]]
        self.teams = teams
        self.product_ids = product_ids
        self.goal_ids = goal_ids

    @classmethod
    def from_demo(cls) -> _BulkGenerator:
        organisation = _load("organisation.json")
        products = Product.objects.filter(
            slug__in=[row["slug"] for row in organisation["products"]]
        )
        goals = StrategicGoal.objects.filter(
            title__in=[row["title"] for row in organisation["goals"]]
        )
        return cls(
            rows=_load("usecases.json")["usecases"],
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
        ProductLink, GoalLink = UseCase.products.through, UseCase.goals.through
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

    def _row(self, *, status: Status, number: int) -> _BulkRow:
        """One demo row's title, problem and metric, with another's intent and a third's people."""
        rng = self.rng
        index = rng.randrange(len(self.rows))
        source, other = self.rows[index], rng.choice(self.rows)
        team = rng.choice(self.teams)
        unfinished = status == Status.DRAFT and rng.random() < BULK_UNFINISHED_DRAFTS
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
            source=Source.DEMO,
        )
        return _BulkRow(
            usecase=usecase,
            product_ids=rng.sample(self.product_ids, rng.randint(1, 2)),
            goal_ids=rng.sample(self.goal_ids, rng.randint(1, 2)),
        )


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
