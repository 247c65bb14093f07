"""The demo organisation: units, teams, people, memberships, products and goals from
``demo_data/organisation.json``, then the 60 use cases (``demo.stories``), their readings
(``demo.measurements``) and the dashboard's trend weeks (``demo.snapshots``).

The use-case texts are real problems and intents from the US federal AI use-case inventory 2025
(public domain; each row records its agency and inventory id), so search, lists and dashboards
show what a registry really holds, including a few drafts left deliberately incomplete.

Every row is found by a natural key (username, slug, goal title, external reference) and created
only when missing; nothing that exists is changed. Reseeding is therefore safe at any time and
never undoes what someone did while trying the demo.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model

from demo import data
from demo.custom_fields import seed_custom_fields
from demo.data import Organisation, SeedReport
from demo.measurements import seed_measurements
from demo.profiles import seed_profiles
from demo.snapshots import seed_snapshots
from demo.stories import seed_usecase, stories_of
from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole
from portfolio.models import Membership, Product, StrategicGoal, Team
from usecases.models import Comment, Notification, OwnershipTransfer, Review, SignOff

DEMO_PASSWORD = "demo-registry-2026"
ROLE_GROUPS = {"reviewer": REVIEWERS_GROUP, "admin": ADMINS_GROUP}
# What the workflow writes besides use cases, counted for the seed's report.
WORKFLOW_MODELS = [Review, SignOff, OwnershipTransfer, Comment, Notification]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str


def demo_logins() -> list[DemoLogin]:
    """The accounts to try the registry with, one per role."""
    return [
        DemoLogin(username=user["username"], role=user["demo_role"])
        for user in data.load("organisation.json")["users"]
        if "demo_role" in user
    ]


def seed_demo() -> SeedReport:
    """Create whatever part of the demo organisation is missing, in one transaction.

    One transaction, so a failure leaves nothing half-seeded. The services' notifications queue
    their e-mail in the same transaction (the task queue is a table of this database): the tasks
    exist once, and only if it commits.
    """
    organisation = data.load("organisation.json")
    rows = data.load("usecases.json")["usecases"]
    stories = stories_of(rows)
    report = SeedReport()
    with transaction.atomic():
        before = {model: model.objects.count() for model in WORKFLOW_MODELS}
        org = _seed_organisation(organisation, report=report)
        seed_custom_fields(report=report)
        for index, row in enumerate(rows):
            seed_usecase(
                row, story=stories.get(row["ref"], {}), index=index, org=org, report=report
            )
        seed_measurements()
        seed_profiles()
        for model in WORKFLOW_MODELS:
            count = model.objects.count() - before[model]
            report.workflow[_kind(model, count)] = count
    # The dashboard's trend charts: today's snapshot and 12 weeks of demo back-fill before it
    # (weeks that have a snapshot keep it, so reseeding adds nothing).
    seed_snapshots(weeks=12)
    return report


def _seed_organisation(organisation: dict, *, report: SeedReport) -> Organisation:
    """The teams, people, memberships, products and goals, created where missing."""
    teams: dict[str, Team] = {}
    new: set[str] = set()
    # The units (departments) first, then the teams beneath them, each after its parent.
    for row in [*organisation["units"], *organisation["teams"]]:
        parent = row.get("parent")
        teams[row["slug"]], created = _seed_team(
            row, parent=teams.get(parent), parent_is_new=parent in new, report=report
        )
        if created:
            new.add(row["slug"])
    users = _seed_users(organisation["users"], report=report)
    _seed_memberships(organisation["memberships"], teams=teams, users=users, report=report)
    products = {
        row["slug"]: _seed_product(row, teams=teams, users=users, report=report)
        for row in organisation["products"]
    }
    goals = _seed_goals(organisation["goals"], users=users, report=report)
    return Organisation(
        teams=teams,
        users=users,
        products=products,
        goals=goals,
        members=_team_members(organisation["memberships"]),
        leads=_team_leads(organisation["memberships"]),
        reviewers=[
            row["username"] for row in organisation["users"] if "reviewer" in row.get("roles", [])
        ],
    )


def _kind(model: type[Model], count: int) -> str:
    names = model._meta
    return str(names.verbose_name if count == 1 else names.verbose_name_plural)


def _seed_team(
    row: dict, *, parent: Team | None, parent_is_new: bool, report: SeedReport
) -> tuple[Team, bool]:
    """A demo team under ``parent``, and whether it was created. A team seeded before the demo
    had units, still under none, moves under its unit when the unit is new (nobody has placed
    the team anywhere yet)."""
    team, created = Team.objects.get_or_create(
        slug=row["slug"],
        defaults={
            "name": row["name"],
            "kind": row["kind"],
            "description": row["description"],
            "parent": parent,
        },
    )
    if not created and parent_is_new and team.parent_id is None:
        team.parent = parent
        team.save(update_fields=["parent"])
    report.record(Team, created=created)
    return team, created


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


def _team_leads(memberships: dict) -> dict[str, str]:
    return {slug: roles["lead"][0] for slug, roles in memberships.items() if roles.get("lead")}
