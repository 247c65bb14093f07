"""Every number on the dashboard is the length of the list it links to, on any data: a leader who
clicks a tile, a cell of the team table or the goal tree, or a cell of the evidence panel gets a
list of exactly that many use cases (or goals, or products).

``test_dashboard.py`` checks each counting rule on hand-built data. Here seeded random registries
mix everything the counts must agree on at once: archived and retired products, a dropped goal and
a goal tree, owners who were deactivated, who are outside the owning team or missing, sign-offs
current, due soon and overdue, text changed since sign-off, every evidence status and area. Each is
read under several filter combinations. The seeds are fixed, so a failure repeats.
"""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from portfolio.choices import GoalStatus, ProductLifecycle
from tests.factories import GoalFactory, MembershipFactory, ProductFactory, UserFactory
from tests.usecases.dashboard.test_dashboard import DASHBOARD, rollup_cells
from usecases.choices import EvidenceArea, EvidenceStatus, LifecycleStage, Status
from usecases.models import UseCase

pytestmark = pytest.mark.django_db

SEEDS = (0, 1, 2, 3)
USECASES_PER_REGISTRY = 60
HTMX = {"HX-Request": "true"}


class Registry:
    """What ``random_registry`` built: its goals and products, by name."""

    def __init__(self, **items):
        self.__dict__.update(items)


def random_registry(org, rng: random.Random) -> Registry:
    """Goals root <- org.goal <- child, a dropped goal under the root and a goal nobody serves;
    products in both teams, one archived, one retired and one nobody uses; use cases in every
    status, owned by Owen (in the team), Leo (its lead), a deactivated leaver, Nina (outside the
    team) or nobody. Rows go in by bulk, as an import would: the dashboard reads what is stored,
    not how it got there."""
    now = timezone.now()
    root = GoalFactory(title="Root")
    org.goal.parent = root
    org.goal.save()
    registry = Registry(
        root=root,
        goal=org.goal,
        child=GoalFactory(title="Child", parent=org.goal),
        dropped=GoalFactory(title="Dropped", status=GoalStatus.DROPPED, parent=root),
        lonely=GoalFactory(title="Lonely"),
        product=org.product,
        second=ProductFactory(team=org.team, name="Second"),
        other=ProductFactory(team=org.other_team, name="Other"),
        archived=ProductFactory(team=org.team, name="Archived", is_archived=True),
        retired=ProductFactory(team=org.team, name="Retired", lifecycle=ProductLifecycle.RETIRED),
        unused=ProductFactory(team=org.other_team, name="Unused"),
    )
    goals = [registry.root, registry.goal, registry.child, registry.dropped]
    products = [
        registry.product,
        registry.second,
        registry.other,
        registry.archived,
        registry.retired,
    ]
    MembershipFactory(team=org.team, user=org.owner)
    leaver = UserFactory(username="lena", is_active=False)
    owners = [org.owner, org.lead, None, leaver, org.non_member]
    teams = [org.team, org.other_team]

    rows = []
    for number in range(USECASES_PER_REGISTRY):
        status = rng.choice(list(Status))
        owner = rng.choice(owners)
        if owner is None and status != Status.DRAFT:
            owner = org.owner  # only a draft may lack an owner
        signed = status in (Status.ACTIVE, Status.RETIRED)
        rows.append(
            UseCase(
                title=f"Random {number}",
                team=rng.choice(teams),
                owner=owner,
                author=org.member,
                status=status,
                signed_off_at=now - timedelta(days=100) if signed else None,
                attestation_expires_at=(
                    now + timedelta(days=rng.randint(-40, 60)) if signed else None
                ),
                changed_since_sign_off=status == Status.ACTIVE and rng.random() < 0.2,
                evidence_status=rng.choice(list(EvidenceStatus)),
                evidence_area=rng.choice(["", *EvidenceArea]),
                lifecycle_stage=rng.choice(list(LifecycleStage)),
            )
        )
    created = UseCase.objects.bulk_create(rows)
    goal_link, product_link = UseCase.goals.through, UseCase.products.through
    goal_link.objects.bulk_create(
        goal_link(usecase=usecase, strategicgoal=goal)
        for usecase in created
        for goal in rng.sample(goals, rng.choice([0, 1, 1, 2, 3]))
    )
    product_link.objects.bulk_create(
        product_link(usecase=usecase, product=product)
        for usecase in created
        for product in rng.sample(products, rng.choice([0, 1, 1, 2]))
    )
    return registry


def filter_combinations(org, registry) -> list[str]:
    return [
        "",
        f"?team={org.team.slug}",
        f"?product={registry.archived.slug}",
        f"?product={registry.second.slug}&goal={registry.root.pk}&subgoals=on",
        f"?goal={registry.goal.pk}",  # sub-goals unticked
        f"?goal={registry.dropped.pk}&subgoals=on",
        f"?team={org.other_team.slug}&goal={registry.root.pk}&subgoals=on",
    ]


class Lists:
    """Follows the links on the dashboard and reads how many each list holds, once per link.

    A list is fetched as its filter form's htmx request does (the results alone: the same view,
    the same count, a third of the time); the count must also be the one the page shows."""

    def __init__(self, client):
        self.client = client
        self._counts: dict[str, int] = {}

    def count(self, url: str) -> int:
        if url not in self._counts:
            response = self.client.get(url, headers=HTMX)
            assert response.status_code == 200, url
            if "page" in response.context:
                count = response.context["page"].paginator.count
                assert f"{count} use case" in response.content.decode(), url
            else:
                count = response.context["count"]
            self._counts[url] = count
        return self._counts[url]


def dashboard_numbers(context):
    """Every number the dashboard shows with a link: (where it is, its count, its link)."""
    for tile in context["tiles"]:
        yield ("tile", tile.key), tile.count, tile.url
    teams = context["teams"]
    for table, rows in (("team", [*teams.rows, teams.total]), ("goal", context["goal_tree"])):
        for row in rows:
            for cell in rollup_cells(row):
                yield (table, row.name, cell.label), cell.count, cell.url
    for cell in context["stages"]:
        yield ("stage", cell.label), cell.count, cell.url
    evidence = context["evidence"]
    for table in ("areas", "products", "goals"):
        for row in getattr(evidence, table):
            for cell in row.cells:
                yield ("evidence", table, row.name, cell.label), cell.count, cell.url


@pytest.mark.parametrize("seed", SEEDS)
def test_every_number_on_the_dashboard_is_the_length_of_its_list(as_user, org, seed):
    registry = random_registry(org, random.Random(seed))
    client = as_user(org.reviewer)
    lists = Lists(client)

    wrong = []
    checked = shown = 0
    for scope in filter_combinations(org, registry):
        response = client.get(DASHBOARD + scope)
        assert response.status_code == 200
        for where, count, url in dashboard_numbers(response.context):
            checked += 1
            shown += count > 0
            listed = lists.count(url)
            if listed != count:
                wrong.append((scope, *where, f"shows {count}", f"lists {listed}", url))

    assert wrong == []
    # Every panel was there to check, and the data put something in most cells.
    assert checked > 500
    assert shown > checked // 2


def test_the_stored_goal_and_product_ids_follow_random_link_changes(org):
    """The dashboard counts from the id lists kept on each use case; after any mix of link
    changes and edits they are still exactly what the link tables hold."""
    rng = random.Random(7)
    registry = random_registry(org, rng)
    goals = [registry.root, registry.goal, registry.child, registry.dropped, registry.lonely]
    products = [registry.product, registry.second, registry.other, registry.archived]
    usecases = list(UseCase.objects.all())

    for _ in range(200):
        usecase = rng.choice(usecases)
        change = rng.randrange(4)
        if change == 0:
            usecase.goals.add(rng.choice(goals))
        elif change == 1:
            usecase.goals.remove(rng.choice(goals))
        elif change == 2:
            usecase.products.set(rng.sample(products, rng.randint(0, 3)))
        else:
            usecase.title += "."
            usecase.save(update_fields=["title"])

    for usecase in UseCase.objects.all():
        assert usecase.goal_ids == sorted(usecase.goals.values_list("pk", flat=True))
        assert usecase.product_ids == sorted(usecase.products.values_list("pk", flat=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_in_production_without_a_signed_owner_reads_as_people_would_count(as_user, org, seed):
    """The tile's rule, counted by hand on the rows: in production, and not active with a
    current sign-off by an owner still here (whatever is missing: owner, date, sign-off)."""
    random_registry(org, random.Random(seed))
    now = timezone.now()
    by_hand = sum(
        usecase.lifecycle_stage == LifecycleStage.IN_PRODUCTION
        and not (
            usecase.status == Status.ACTIVE
            and usecase.owner is not None
            and usecase.owner.is_active
            and not usecase.changed_since_sign_off
            and usecase.attestation_expires_at is not None
            and usecase.attestation_expires_at >= now
        )
        for usecase in UseCase.objects.select_related("owner")
    )
    shown = tiles_of(as_user(org.reviewer))["in_production_unsigned"]
    assert by_hand > 0
    assert shown == by_hand


def tiles_of(client) -> dict[str, int]:
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return {tile.key: tile.count for tile in response.context["tiles"]}
