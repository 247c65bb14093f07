"""DEMO DATA ONLY: the organisation of a large registry, for ``demo.scale``.

A large organisation is not twenty people owning fifty thousand use cases each: it has
directorates split into divisions, hundreds of teams of about a dozen people under them, a lead
per team, a few reviewers and admins, a product or two per team and a strategy of visions, goals
and objectives. ``scale_org_size`` sizes it from the number of use cases; ``ensure_scale_org``
creates it once (a second run finds it by its slugs and e-mail domain) and returns the ids the use
case generator draws from. Every person signs in with the demo password, so like ``seed_demo`` it
is for development databases only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from demo.organisation import DEMO_PASSWORD
from portfolio.choices import (
    ADMINS_GROUP,
    REVIEWERS_GROUP,
    GoalStatus,
    MembershipRole,
    ProductLifecycle,
    TeamKind,
)
from portfolio.models import Membership, Product, StrategicGoal, Team

# Everything the scale organisation creates is found again by these marks.
SCALE_SLUG_PREFIX = "scale-"
SCALE_EMAIL_DOMAIN = "scale.example.org"
# The staff account for the Django admin (a superuser) and the benchmark's admin pages.
SCALE_ADMIN_USERNAME = "scale.admin"
SCALE_SEED = 2026
TEAM_SIZE = 12

FIRST_NAMES = [
    "Amira",
    "Ben",
    "Chloe",
    "Daan",
    "Eva",
    "Farah",
    "Gijs",
    "Hannah",
    "Ivo",
    "Jasmijn",
    "Kofi",
    "Lotte",
    "Mehmet",
    "Noor",
    "Olivia",
    "Pieter",
    "Quinten",
    "Rosa",
    "Sanne",
    "Tariq",
    "Umut",
    "Vera",
    "Wouter",
    "Xena",
    "Yusuf",
    "Zoë",
    "Anouk",
    "Bram",
    "Citlali",
    "Dirk",
    "Emre",
    "Fleur",
    "Hugo",
    "Iris",
    "Jonas",
    "Kim",
    "Lars",
    "Mila",
    "Nadia",
    "Otto",
]
LAST_NAMES = [
    "Jansen",
    "de",
    "Vries",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Brouwer",
    "Kaya",
    "Yilmaz",
    "Okafor",
    "Nguyen",
    "Haddou",
    "Silva",
    "Kowalski",
    "Novak",
    "Rossi",
    "Dubois",
    "Müller",
    "Andersen",
    "Costa",
    "Ahmed",
    "Chen",
    "Patel",
    "Garcia",
]
AREAS = [
    "Benefits",
    "Claims",
    "Payments",
    "Pensions",
    "Customer-Contact",
    "Fraud",
    "Debt",
    "Employer-Services",
    "Digital",
    "Data",
    "Identity",
    "Case-Management",
    "Appeals",
    "Compliance",
    "Finance",
    "Procurement",
    "HR",
    "Facilities",
    "Security",
    "Infrastructure",
    "Analytics",
    "Policy",
    "Communications",
    "Legal",
]
TEAM_WORDS = [
    "Intake",
    "Assessment",
    "Decisions",
    "Operations",
    "Platform",
    "Insights",
    "Delivery",
    "Support",
    "Quality",
]


@dataclass(frozen=True)
class OrgSize:
    directorates: int
    divisions: int
    teams: int
    products: int
    objectives: int


@dataclass(frozen=True)
class ScaleOrg:
    """The ids the use-case generator draws from. ``teams`` holds (team id, member ids, lead id);
    ``products_by_team`` the products each team owns; ``reviewers`` the Reviewers group."""

    teams: list[tuple[int, list[int], int]]
    products_by_team: dict[int, list[int]]
    product_ids: list[int]
    objective_ids: list[int]
    goal_ids: list[int]
    reviewer_ids: list[int]


def scale_org_size(count: int) -> OrgSize:
    """About one team per 2,500 use cases (12 at least, 400 at most): a million use cases give
    400 teams of about 12 (4,800 people) in 50 divisions under 8 directorates."""
    teams = max(12, min(400, round(count / 2500)))
    divisions = max(3, teams // 8)
    return OrgSize(
        directorates=max(2, divisions // 6),
        divisions=divisions,
        teams=teams,
        products=teams + teams // 4,
        objectives=max(6, min(150, count // 7000)),
    )


def ensure_scale_org(size: OrgSize) -> ScaleOrg:
    """The scale organisation, created where missing; an existing one is reused as it is."""
    if not Team.objects.filter(slug=f"{SCALE_SLUG_PREFIX}team-1").exists():
        _create_org(size, random.Random(SCALE_SEED))
    return _load_org()


def _create_org(size: OrgSize, rng: random.Random) -> None:
    units = _create_units(size)
    teams = Team.objects.bulk_create(
        Team(
            name=f"{AREAS[i % len(AREAS)]} {TEAM_WORDS[i % len(TEAM_WORDS)]} {i + 1}",
            slug=f"{SCALE_SLUG_PREFIX}team-{i + 1}",
            kind=rng.choice(TeamKind.values),
            parent=units[i % len(units)],
        )
        for i in range(size.teams)
    )
    people = _create_people(count=size.teams * TEAM_SIZE)
    _create_memberships(teams, people, rng)
    Product.objects.bulk_create(
        Product(
            name=f"{AREAS[i % len(AREAS)].replace('-', ' ')} {rng.choice(TEAM_WORDS)} {i + 1}",
            slug=f"{SCALE_SLUG_PREFIX}product-{i + 1}",
            team=teams[i % len(teams)],
            manager=people[(i % len(teams)) * TEAM_SIZE + 1],
            lifecycle=rng.choices(ProductLifecycle.values, weights=[1, 2, 12, 2, 1])[0],
            vision=f"One place for {AREAS[i % len(AREAS)].lower().replace('-', ' ')} work.",
        )
        for i in range(size.products)
    )
    _create_goals(size, people, rng)


def _create_units(size: OrgSize) -> list[Team]:
    """Directorates, and the divisions under them that the teams sit under."""
    directorates = Team.objects.bulk_create(
        Team(
            name=f"{AREAS[i % len(AREAS)].replace('-', ' ')} Directorate {i + 1}",
            slug=f"{SCALE_SLUG_PREFIX}directorate-{i + 1}",
            kind=TeamKind.BUSINESS,
        )
        for i in range(size.directorates)
    )
    return Team.objects.bulk_create(
        Team(
            name=f"{AREAS[(i * 7) % len(AREAS)].replace('-', ' ')} Division {i + 1}",
            slug=f"{SCALE_SLUG_PREFIX}division-{i + 1}",
            kind=TeamKind.OPERATIONS if i % 3 else TeamKind.IT,
            parent=directorates[i % len(directorates)],
        )
        for i in range(size.divisions)
    )


def _create_people(*, count: int) -> list:
    """``count`` people and the admin account, all with the demo password (hashed once)."""
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    people = User.objects.bulk_create(
        User(
            username=f"{first}.{last}.{i + 1}".lower(),
            first_name=first,
            last_name=last,
            email=f"person{i + 1}@{SCALE_EMAIL_DOMAIN}",
            password=password,
        )
        for i in range(count)
        for first, last in [_name(i)]
    )
    admin = User.objects.create(
        username=SCALE_ADMIN_USERNAME,
        first_name="Scale",
        last_name="Administrator",
        email=f"admin@{SCALE_EMAIL_DOMAIN}",
        password=password,
        is_staff=True,
        is_superuser=True,
    )
    admin.groups.add(Group.objects.get(name=ADMINS_GROUP))
    # One person in 25 reviews; one in 200 administers the registry.
    Group.objects.get(name=REVIEWERS_GROUP).user_set.add(*people[3::25])
    Group.objects.get(name=ADMINS_GROUP).user_set.add(*people[7::200])
    return people


def _name(i: int) -> tuple[str, str]:
    return FIRST_NAMES[i % len(FIRST_NAMES)], LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]


def _create_memberships(teams: list[Team], people: list, rng: random.Random) -> None:
    """Each person in one team (its first person leads it); one in ten also in another team."""
    rows = [
        Membership(
            team=teams[i // TEAM_SIZE],
            user=person,
            role=MembershipRole.LEAD if i % TEAM_SIZE == 0 else MembershipRole.MEMBER,
        )
        for i, person in enumerate(people)
    ]
    for i in range(0, len(people), 10):
        other = rng.randrange(len(teams))
        if other != i // TEAM_SIZE:
            rows.append(Membership(team=teams[other], user=people[i]))
    Membership.objects.bulk_create(rows)


def _create_goals(size: OrgSize, people: list, rng: random.Random) -> None:
    """Three visions, a few goals under each, and the objectives use cases mostly serve."""
    leaders = people[::TEAM_SIZE]
    visions = StrategicGoal.objects.bulk_create(
        StrategicGoal(
            title=f"Vision {i + 1}: {title}",
            owner=leaders[i],
            period="2026-2035",
            description=f"Where the organisation wants to be on {title.lower()}.",
        )
        for i, title in enumerate(["Fair, fast service", "Trusted data", "Efficient operations"])
    )
    goals = StrategicGoal.objects.bulk_create(
        StrategicGoal(
            title=f"Goal {i + 1}: {AREAS[i % len(AREAS)].replace('-', ' ')} outcomes",
            owner=rng.choice(leaders),
            parent=visions[i % len(visions)],
            period="2026-2030",
        )
        for i in range(max(3, size.objectives // 4))
    )
    StrategicGoal.objects.bulk_create(
        StrategicGoal(
            title=f"Objective {i + 1}: {rng.choice(TEAM_WORDS).lower()} in "
            f"{AREAS[i % len(AREAS)].replace('-', ' ').lower()}",
            owner=rng.choice(leaders),
            parent=goals[i % len(goals)],
            period=f"{2026 + i % 3}",
            status=GoalStatus.PROPOSED if i % 11 == 10 else GoalStatus.ACTIVE,
        )
        for i in range(size.objectives)
    )


def _load_org() -> ScaleOrg:
    memberships = Membership.objects.filter(
        team__slug__startswith=f"{SCALE_SLUG_PREFIX}team-"
    ).values_list("team_id", "user_id", "role")
    members: dict[int, list[int]] = {}
    leads: dict[int, int] = {}
    for team_id, user_id, role in memberships.order_by("team_id", "user_id"):
        members.setdefault(team_id, []).append(user_id)
        if role == MembershipRole.LEAD:
            leads[team_id] = user_id
    products_by_team: dict[int, list[int]] = {}
    products = Product.objects.filter(slug__startswith=SCALE_SLUG_PREFIX)
    for pk, team_id in products.values_list("pk", "team_id").order_by("pk"):
        products_by_team.setdefault(team_id, []).append(pk)
    goals = StrategicGoal.objects.filter(owner__email__endswith=f"@{SCALE_EMAIL_DOMAIN}")
    return ScaleOrg(
        teams=[(pk, ids, leads.get(pk, ids[0])) for pk, ids in sorted(members.items())],
        products_by_team=products_by_team,
        product_ids=sorted(pk for ids in products_by_team.values() for pk in ids),
        objective_ids=list(
            goals.filter(parent__parent__isnull=False).values_list("pk", flat=True).order_by("pk")
        ),
        goal_ids=list(
            goals.filter(parent__isnull=False, parent__parent__isnull=True)
            .values_list("pk", flat=True)
            .order_by("pk")
        ),
        reviewer_ids=list(
            get_user_model()
            .objects.filter(groups__name=REVIEWERS_GROUP, email__endswith=f"@{SCALE_EMAIL_DOMAIN}")
            .values_list("pk", flat=True)
            .order_by("pk")
        ),
    )
