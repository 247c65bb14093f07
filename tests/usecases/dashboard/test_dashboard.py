"""The ownership dashboard: every tile's count is the count of the list it links to, on varied data
and under every filter; the team table and goal tree roll up correctly; everyone signed in reads
it; its query count is fixed; snapshots are idempotent; the trend charts are labelled SVG."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from demo import snapshots as demo_snapshots
from portfolio.choices import GoalStatus, ProductLifecycle
from portfolio.models import StrategicGoal
from tests.conftest import ROLES
from tests.factories import GoalFactory, MembershipFactory, ProductFactory, UserFactory
from tests.markup import Markup, find_all, text
from usecases import services
from usecases.choices import EvidenceArea, EvidenceStatus, Status
from usecases.dashboard import snapshots
from usecases.models import EnabledProfile, OwnershipSnapshot, Review, UseCase
from usecases.profiles import PROFILES

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
# The most a dashboard page takes here, whatever the data, with no standard's profile switched on
# (switched on, the summary's path reads them in one query more): a unit's with its sub-units,
# read from the summary, its choosers drawn from the rows its tables read. Fully filtered (team,
# product, goal with sub-goals) it takes 15, the use cases it selects counted every way in one
# query (``test_a_product_or_goal_filter_reads_the_facts_it_selects_once``).
BUDGET = 18


# --- Data: every kind of use case a tile counts, and some that it must not ---------------------


class Registry:
    """What ``varied`` built, by name, and the goals and products it used."""

    def __init__(self, **items):
        self.__dict__.update(items)


@pytest.fixture
def varied(org, usecase_in):
    """A registry with something on every tile, in two teams, two products and a goal tree:

    parent goal <- org.goal (child) <- grandchild; a separate goal nobody serves.
    """
    now = timezone.now()
    MembershipFactory(team=org.team, user=org.owner)  # Owen owns inside his team...
    parent = GoalFactory(title="Fair, fast benefits")
    org.goal.parent = parent
    org.goal.save()
    grandchild = GoalFactory(title="Decide in 20 days", parent=org.goal)
    lonely = GoalFactory(title="Retire the mainframe")
    GoalFactory(title="A dropped goal", status=GoalStatus.DROPPED)
    second_product = ProductFactory(name="Payments Hub", slug="payments-hub", team=org.team)
    ProductFactory(name="Unused Portal", slug="unused-portal", team=org.other_team)
    ProductFactory(
        name="Old Mainframe",
        slug="old-mainframe",
        team=org.team,
        lifecycle=ProductLifecycle.RETIRED,
    )

    signed = usecase_in("active", title="Signed and current")
    overdue = usecase_in("active", title="Attestation lapsed", goals=[grandchild])
    due_soon = usecase_in("active", title="Attestation lapses soon", products=[second_product])
    off_track = usecase_in("active", title="Off track", goals=[parent, grandchild])
    UseCase.objects.filter(pk=overdue.pk).update(attestation_expires_at=now - timedelta(days=3))
    UseCase.objects.filter(pk=due_soon.pk).update(attestation_expires_at=now + timedelta(days=12))
    UseCase.objects.filter(pk=off_track.pk).update(evidence_status=EvidenceStatus.OFF_TRACK)

    in_review = usecase_in("in_review", title="Waiting for a reviewer")
    old_review = usecase_in("in_review", title="Waiting long", products=[second_product])
    Review.objects.filter(usecase=old_review, decided_at__isnull=True).update(
        submitted_at=now - timedelta(days=9, hours=1)
    )
    awaiting = usecase_in("awaiting_sign_off", title="Waiting for its owner")
    unowned = usecase_in("draft", title="Nobody owns me", owner=None)
    unlinked = usecase_in("draft", title="Serves no goal", goals=[])
    usecase_in("declined", title="Declined")
    usecase_in("retired", title="Retired", goals=[grandchild])

    # Owners who left: one deactivated, one never in the owning team.
    leaver = UserFactory(username="lena", is_active=False)
    gone = usecase_in("active", title="Owner deactivated")
    UseCase.objects.filter(pk=gone.pk).update(owner=leaver)
    outsider_owned = usecase_in("draft", title="Owner outside the team", owner=org.non_member)

    # The other team: an active use case and an overdue one (teams change by queryset update).
    other_active = usecase_in("active", title="Other team's active")
    other_overdue = usecase_in("active", title="Other team's overdue", products=[second_product])
    MembershipFactory(team=org.other_team, user=org.owner)
    UseCase.objects.filter(pk__in=[other_active.pk, other_overdue.pk]).update(team=org.other_team)
    UseCase.objects.filter(pk=other_overdue.pk).update(
        attestation_expires_at=now - timedelta(days=40)
    )
    return Registry(
        parent=parent,
        child=org.goal,
        grandchild=grandchild,
        lonely=lonely,
        second_product=second_product,
        signed=signed,
        overdue=overdue,
        due_soon=due_soon,
        off_track=off_track,
        in_review=in_review,
        old_review=old_review,
        awaiting=awaiting,
        unowned=unowned,
        unlinked=unlinked,
        gone=gone,
        outsider_owned=outsider_owned,
    )


def listed_count(client, url: str) -> int:
    """How many rows the page a tile links to says it lists."""
    response = client.get(url)
    assert response.status_code == 200, url
    if "page" in response.context:
        count = response.context["page"].paginator.count
        assert f"{count} use case" in response.content.decode()
    else:
        count = response.context["count"]
    return count


def tiles(client, query: str = "") -> dict:
    response = client.get(DASHBOARD + query)
    assert response.status_code == 200
    return {tile.key: tile for tile in response.context["tiles"]}


# --- Tiles against their lists ---------------------------------------------------------------


def test_each_tile_counts_what_the_data_holds(as_user, org, varied):
    shown = {key: tile.count for key, tile in tiles(as_user(org.reviewer)).items()}
    assert shown == {
        "active": 7,  # signed, overdue, due soon, off track, owner gone, other team's two
        "signed": 4,  # all active but the two overdue and the deactivated owner's
        "unowned_draft": 1,
        "imported_unowned": 0,  # nothing here was imported
        "in_production_unsigned": 0,  # every use case here is still an idea
        "in_review": 2,
        "awaiting_sign_off": 1,
        "overdue": 2,
        "due_soon": 1,
        "owner_gone": 2,  # deactivated; not in the team
        "changed": 1,  # the deactivated owner was put in from the shell, not by a transfer
        "no_goal": 1,
        "unserved_goals": 1,  # the lonely goal; the dropped one does not count
        "unused_products": 1,  # the other team's portal; the retired mainframe does not count
        "off_track": 1,
    }


SCOPES = {
    "everything": lambda r, org: "",
    "team": lambda r, org: f"?team={org.team.slug}",
    "other team": lambda r, org: f"?team={org.other_team.slug}",
    "product": lambda r, org: f"?product={r.second_product.slug}",
    "goal and sub-goals": lambda r, org: f"?goal={r.parent.pk}&subgoals=on",
    "goal alone": lambda r, org: f"?goal={r.child.pk}",
    "sub-goal with its own": lambda r, org: f"?goal={r.child.pk}&subgoals=on",
    "all three": lambda r, org: (
        f"?team={org.team.slug}&product={org.product.slug}&goal={r.parent.pk}&subgoals=on"
    ),
}


@pytest.mark.parametrize("scope", SCOPES)
def test_each_tile_links_to_a_list_with_exactly_its_count(as_user, org, varied, scope):
    client = as_user(org.reviewer)
    for key, tile in tiles(client, SCOPES[scope](varied, org)).items():
        assert listed_count(client, tile.url) == tile.count, f"{key} ({scope}): {tile.url}"


def test_the_drill_down_lists_name_the_counted_use_cases(as_user, org, varied):
    client = as_user(org.reviewer)
    shown = tiles(client)
    overdue = client.get(shown["overdue"].url).context["page"].object_list
    assert {uc.title for uc in overdue} == {"Attestation lapsed", "Other team's overdue"}
    gone = client.get(shown["owner_gone"].url).context["page"].object_list
    assert {uc.title for uc in gone} == {"Owner deactivated", "Owner outside the team"}
    goals = client.get(shown["unserved_goals"].url).context["items"]
    assert [row.goal for row in goals] == [varied.lonely]
    products = client.get(shown["unused_products"].url).context["items"]
    assert [product.slug for product in products] == ["unused-portal"]


def test_filters_apply_to_every_tile(as_user, org, varied):
    client = as_user(org.reviewer)
    other = {key: tile.count for key, tile in tiles(client, f"?team={org.other_team.slug}").items()}
    assert other["active"] == 2
    assert other["overdue"] == 1
    assert other["in_review"] == 0
    assert other["unused_products"] == 1  # its portal
    by_goal = tiles(client, f"?goal={varied.grandchild.pk}")
    assert by_goal["active"].count == 2  # overdue, off track
    assert by_goal["overdue"].count == 1
    assert by_goal["no_goal"].count == 0
    # Every link carries the filters.
    for tile in tiles(client, f"?team={org.team.slug}&goal={varied.parent.pk}").values():
        assert f"team={org.team.slug}" in tile.url
        assert f"goal={varied.parent.pk}" in tile.url


def test_sub_goals_widen_a_goal_filter(as_user, org, varied):
    client = as_user(org.reviewer)
    alone = tiles(client, f"?goal={varied.parent.pk}")["active"].count
    beneath = tiles(client, f"?goal={varied.parent.pk}&subgoals=on")["active"].count
    assert alone == 1  # only "Off track" names the parent itself
    assert beneath == 7  # every active use case serves the tree


def test_sub_goals_start_ticked_on_the_dashboard(as_user, org, varied):
    response = as_user(org.reviewer).get(DASHBOARD)
    assert re.search(r'<input[^>]*name="subgoals"[^>]*checked', response.content.decode())


def test_waiting_tiles_say_how_long_the_oldest_waits(as_user, org, varied):
    shown = tiles(as_user(org.reviewer))
    assert shown["in_review"].note == "oldest waiting 9 days"
    assert shown["awaiting_sign_off"].note == "oldest waiting less than a day"


def test_signed_share_is_a_percentage_of_the_active(as_user, org, varied):
    signed = tiles(as_user(org.reviewer))["signed"]
    assert signed.headline == "57%"  # 4 of 7
    assert signed.note == "4 of 7 active"


def test_invalid_filters_are_named_and_ignored(as_user, org, varied):
    response = as_user(org.reviewer).get(DASHBOARD + "?team=no-such-team")
    assert "Some filters were not understood" in response.content.decode()
    shown = {tile.key: tile for tile in response.context["tiles"]}
    assert shown["active"].count == 7
    assert "no-such-team" not in shown["active"].url


# --- Tables ------------------------------------------------------------------------------------


def rollup_cells(row):
    return [row.total, *row.cells, row.signed, row.overdue]


def test_team_rows_add_up_and_link_to_their_lists(as_user, org, varied):
    client = as_user(org.reviewer)
    teams = client.get(DASHBOARD).context["teams"]
    by_name = {row.name: row for row in teams.rows}
    assert by_name[org.team.name].counts["active"] == 5
    assert by_name[org.other_team.name].counts["overdue"] == 1
    assert sum(row.counts["total"] for row in teams.rows) == teams.total.counts["total"]
    for row in [*teams.rows, teams.total]:
        for cell in rollup_cells(row):
            assert listed_count(client, cell.url) == cell.count, f"{row.name} {cell.label}"


def test_goal_tree_rolls_up_sub_goals_counting_each_use_case_once(as_user, org, varied):
    client = as_user(org.reviewer)
    tree = client.get(DASHBOARD).context["goal_tree"]
    by_goal = {row.goal: row for row in tree}
    # "Off track" serves both the parent and the grandchild: counted once in the parent.
    assert by_goal[varied.grandchild].counts["active"] == 2
    assert by_goal[varied.parent].counts["active"] == 7
    assert by_goal[varied.lonely].counts["total"] == 0
    assert [row.depth for row in tree if row.goal in (varied.parent, varied.child)] == [0, 1]
    for row in tree:
        for cell in rollup_cells(row):
            assert listed_count(client, cell.url) == cell.count, f"{row.name} {cell.label}"


def test_goal_filter_shows_that_goal_and_beneath(as_user, org, varied):
    client = as_user(org.reviewer)
    tree = client.get(f"{DASHBOARD}?goal={varied.child.pk}&subgoals=on").context["goal_tree"]
    assert [row.goal for row in tree] == [varied.child, varied.grandchild]
    alone = client.get(f"{DASHBOARD}?goal={varied.child.pk}").context["goal_tree"]
    assert [row.goal for row in alone] == [varied.child]


def test_the_products_with_no_use_case_are_listed_by_name_with_team_manager_and_stage(as_user, org):
    """The page lists several, each row its own product's team, manager and lifecycle, in name
    order; the products it leaves out (archived, retired, in use) are not there."""
    manager = UserFactory(first_name="Mona", last_name="Marsh")
    ProductFactory(team=org.team, name="Zeta portal", manager=manager, lifecycle="pilot")
    ProductFactory(team=org.other_team, name="Alpha tool", lifecycle="sunsetting")
    ProductFactory(team=org.team, name="Beta archive", is_archived=True)
    ProductFactory(team=org.team, name="Gamma mainframe", lifecycle=ProductLifecycle.RETIRED)
    response = as_user(org.reviewer).get("/dashboard/unused-products/")
    rows = [
        [text(cell) for cell in find_all(row, "td")]
        for row in Markup(response.content.decode()).all("tr")
    ]
    listed = {row[0]: row for row in rows if row}
    assert listed["Alpha tool"] == ["Alpha tool", org.other_team.name, "None named", "Sunsetting"]
    assert listed["Zeta portal"] == ["Zeta portal", org.team.name, "Mona Marsh", "Pilot"]
    names = [row[0] for row in rows if row]
    assert names == sorted(names, key=str.lower) and len(names) >= 2
    assert not {"Beta archive", "Gamma mainframe"} & set(names)


# --- Who may read it ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "path", [DASHBOARD, "/dashboard/unserved-goals/", "/dashboard/unused-products/"]
)
def test_everyone_signed_in_reads_the_dashboard(as_role, usecase, role, path):
    response = as_role(role).get(path)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 200
        if path == DASHBOARD:  # nothing below the filters is an action
            assert b"<form" not in response.content.split(b'id="dashboard-body"')[1]


def test_nav_links_to_the_dashboard(as_user, org):
    content = as_user(org.member).get(DASHBOARD).content.decode()
    assert re.search(r'<a href="/dashboard/"\s+aria-current="page">Dashboard</a>', content)


# --- Refresh after workflow actions --------------------------------------------------------------


def test_htmx_gets_the_body_alone_listening_for_changes(as_user, org, varied):
    client = as_user(org.reviewer)
    response = client.get(f"{DASHBOARD}?team={org.team.slug}", headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="dashboard-body"')
    assert 'hx-trigger="usecaseChanged from:body"' in content
    assert f'hx-get="/dashboard/?team={org.team.slug}"' in content
    assert "<nav" not in content
    assert "HX-Request" in response["Vary"]


def test_a_workflow_action_changes_the_refreshed_counts(as_user, org, varied):
    client = as_user(org.reviewer)
    before = tiles(client)["in_review"].count
    services.usecase_approve(usecase=varied.in_review, actor=org.reviewer)
    response = client.get(DASHBOARD, headers={"HX-Request": "true"})
    after = {tile.key: tile.count for tile in response.context["tiles"]}
    assert after["in_review"] == before - 1


# --- Query budget ------------------------------------------------------------------------------


def bulk_usecases(org, *, count: int, goals, products, teams, owners):
    """``count`` use cases straight into the tables, over every status, team, owner, goal and
    product: a query per row, team or goal would show as growth."""
    now = timezone.now()
    statuses = list(Status)
    rows = []
    for n in range(count):
        status = statuses[n % len(statuses)]
        owner = owners[n % len(owners)]
        if owner is None and status != Status.DRAFT:
            owner = org.owner
        signed = status in (Status.ACTIVE, Status.RETIRED)
        rows.append(
            UseCase(
                title=f"Generated {n}",
                team=teams[n % len(teams)],
                owner=owner,
                author=org.member,
                status=status,
                signed_off_at=now - timedelta(days=100) if signed else None,
                attestation_expires_at=now + timedelta(days=(n % 90) - 30) if signed else None,
                evidence_status=list(EvidenceStatus)[n % len(EvidenceStatus)],
                evidence_area=["", *EvidenceArea][n % (len(EvidenceArea) + 1)],
            )
        )
    created = UseCase.objects.bulk_create(rows)
    goal_links = UseCase.goals.through
    goal_links.objects.bulk_create(
        goal_links(usecase=uc, strategicgoal=goals[n % len(goals)])
        for n, uc in enumerate(created)
        if n % 11
    )
    product_links = UseCase.products.through
    product_links.objects.bulk_create(
        product_links(usecase=uc, product=products[n % len(products)])
        for n, uc in enumerate(created)
    )


@pytest.mark.parametrize("scope", ["product", "goal", "goal and its sub-goals"])
def test_a_product_or_goal_filter_reads_the_facts_it_selects_once(as_user, org, scope):
    """Counted from the summary's facts of the use cases selected (no summary table answers a
    product or goal filter), every tile, table and evidence row, and the profile's tile, comes from
    one read of them, not one read each, and none of the use cases themselves."""
    parent = GoalFactory(title="Vision")
    org.goal.parent = parent
    org.goal.save()
    spread = {"goals": [org.goal], "products": [org.product], "teams": [org.team]}
    bulk_usecases(org, count=30, owners=[org.owner], **spread)
    EnabledProfile.objects.create(key=next(iter(PROFILES)), enabled_by=org.admin)
    query = {
        "product": f"product={org.product.slug}",
        "goal": f"goal={org.goal.pk}",
        "goal and its sub-goals": f"goal={parent.pk}&subgoals=on",
    }[scope]
    client = as_user(org.reviewer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 200
    if scope == "product":
        linked = UseCase.objects.filter(products=org.product)
    else:  # the goal's, and none of the parent's but through it
        linked = UseCase.objects.filter(goals=org.goal)
    assert response.context["scope"].totals["total"] == linked.count() > 20  # all counted
    sql = [q["sql"] for q in captured.captured_queries]
    assert [q for q in sql if 'FROM "usecases_usecase"' in q] == []
    assert len([q for q in sql if 'FROM "usecases_usecasefact"' in q]) == 1, sql
    assert response.context["tiles"][-1].key == f"not_reportable_{next(iter(PROFILES))}"


def test_a_profile_installed_with_another_condition_is_counted_from_the_use_cases(as_user, org):
    """A profile file edited without migrating: the condition installed for its key, and the
    facts it wrote, are not the profile's. Under a product filter its tile counts the use cases
    by the profile's own condition, not the facts' stale answer."""
    spread = {"goals": [org.goal], "products": [org.product], "teams": [org.team]}
    bulk_usecases(org, count=30, owners=[org.owner], **spread)
    profile = next(iter(PROFILES.values()))
    EnabledProfile.objects.create(key=profile.key, enabled_by=org.admin)
    with connection.cursor() as cursor:  # stale: another condition, no use case unreportable
        cursor.execute(
            "UPDATE usecases_summaryprofile SET condition = 'false' WHERE key = %s", [profile.key]
        )
        cursor.execute("UPDATE usecases_usecasefact SET unreportable = '{}'")
    expected = UseCase.objects.filter(products=org.product).filter(profile.not_reportable).count()
    assert expected > 0
    response = as_user(org.reviewer).get(f"{DASHBOARD}?product={org.product.slug}")
    tile = response.context["tiles"][-1]
    assert (tile.key, tile.count) == (f"not_reportable_{profile.key}", expected)


DASHBOARD_TABLES = ["unused-products", "evidence/products", "unserved-goals", "evidence/goals"]


def dashboard_table_queries(as_user, org, page: str, query) -> list[str]:
    """The SQL of a page of one dashboard table under ``query(parent goal)``, 30 use cases on a
    goal under a parent."""
    parent = GoalFactory(title="Vision")
    org.goal.parent = parent
    org.goal.save()
    spread = {"goals": [org.goal], "products": [org.product], "teams": [org.team]}
    bulk_usecases(org, count=30, owners=[org.owner], **spread)
    client = as_user(org.reviewer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{DASHBOARD}{page}/?{query(parent)}")
    assert response.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    assert [q for q in sql if 'FROM "usecases_usecase"' in q] == []
    return sql


@pytest.mark.parametrize("page", DASHBOARD_TABLES)
@pytest.mark.parametrize("scope", ["team and product", "goal linked directly"])
def test_a_page_of_one_dashboard_table_reads_the_facts_once(as_user, org, page, scope):
    """The gap and evidence lists under a product with a team, or a goal linked directly, read
    the selected use cases' facts once and the use cases not at all; a page of products alone
    reads only what their table needs, not every count."""
    by_scope = {
        "team and product": lambda _: f"team={org.team.slug}&product={org.product.slug}",
        "goal linked directly": lambda _: f"goal={org.goal.pk}",
    }
    sql = dashboard_table_queries(as_user, org, page, by_scope[scope])
    reads = [q for q in sql if 'FROM "usecases_usecasefact"' in q]
    assert len(reads) == 1, sql
    products_alone = page.endswith("products")
    assert ('"c_total"' not in reads[0]) == products_alone  # no count's flag is read for them


@pytest.mark.parametrize("page", DASHBOARD_TABLES)
@pytest.mark.parametrize("scope", ["goal and its sub-goals", "product"])
def test_a_goal_or_a_product_alone_reads_its_own_count_tables(as_user, org, page, scope):
    """Under a goal with its sub-goals, or a product alone, the same pages read the goal's or
    product's own counts: no use case, and no fact but those a correction or a wait needs (none
    is counted there)."""
    by_scope = {
        "goal and its sub-goals": lambda parent: f"goal={parent.pk}&subgoals=on",
        "product": lambda _: f"product={org.product.slug}",
    }
    sql = dashboard_table_queries(as_user, org, page, by_scope[scope])
    assert [q for q in sql if '"c_total"' in q] == []
    # What each page reads there, and no read of the whole organisation's would show.
    beneath = "usecases_goalancestor WHERE ancestor_id = "
    product = f"product_id = {org.product.pk})"
    read = {
        ("goal and its sub-goals", "unused-products"): ["usecases_goalproductcount"],
        ("goal and its sub-goals", "evidence/products"): ["usecases_goalproductcount"],
        ("goal and its sub-goals", "unserved-goals"): ["usecases_goalscopetally", beneath],
        ("goal and its sub-goals", "evidence/goals"): ["usecases_goalevidencecount", beneath],
        ("product", "unused-products"): ["usecases_productcount", product],
        ("product", "evidence/products"): ["usecases_productcount", product],
        ("product", "unserved-goals"): ["usecases_productscopetally", "usecases_productgoalcount"],
        ("product", "evidence/goals"): ["usecases_productgoalevidencecount"],
    }[scope, page]
    assert [text for text in read if not any(text in q for q in sql)] == [], sql


def test_goals_whose_parents_form_a_loop_do_not_hang_the_dashboard(as_user, org):
    """Only raw data can hold such a loop (the services refuse one): the pages still answer."""
    first, second = GoalFactory(title="First"), GoalFactory(title="Second")
    StrategicGoal.objects.filter(pk=first.pk).update(parent=second)
    StrategicGoal.objects.filter(pk=second.pk).update(parent=first)
    bulk_usecases(
        org, count=6, goals=[first], products=[org.product], teams=[org.team], owners=[org.owner]
    )
    client = as_user(org.reviewer)
    query = f"?goal={first.pk}&subgoals=on"
    for page in ["", "unserved-goals/", "evidence/goals/", "evidence/products/"]:
        assert client.get(f"{DASHBOARD}{page}{query}").status_code == 200, page
    tree = client.get(f"{DASHBOARD}{query}").context["goal_tree"]
    assert [row.name for row in tree] == ["First", "Second"]  # each goal once


def test_a_use_case_far_below_a_goal_counts_in_its_roll_up_and_under_its_filter(as_user, org):
    """Goals nested 120 deep (the closure once stopped at 100): a use case on the deepest counts
    in the top goal's roll-up and on its dashboard with sub-goals (the list's filter walks the
    whole tree, ``portfolio.selectors.descendant_ids``, and counts it too)."""
    chain = [GoalFactory(title="Goal 000")]
    for depth in range(1, 120):
        chain.append(GoalFactory(title=f"Goal {depth:03}", parent=chain[-1]))
    spread = {"products": [org.product], "teams": [org.team], "owners": [org.owner]}
    bulk_usecases(org, count=3, goals=[chain[-1]], **spread)
    bulk_usecases(org, count=2, goals=[chain[50]], **spread)
    client = as_user(org.reviewer)
    query = f"?goal={chain[0].pk}&subgoals=on"
    response = client.get(f"{DASHBOARD}{query}")
    assert response.context["scope"].totals["total"] == 3  # each bulk's first is linked to none
    unfiltered = client.get(DASHBOARD).context["scope"].goal_rollups
    assert [unfiltered[goal.pk]["total"] for goal in chain[::30]] == [3, 3, 2, 2]


def test_query_count_is_the_same_at_10_and_1000_use_cases(as_user, org, page_queries):
    parent = GoalFactory(title="Vision")
    org.goal.parent = parent
    org.goal.save()
    goals = [parent, org.goal, GoalFactory(parent=org.goal), GoalFactory()]
    products = [org.product, ProductFactory(team=org.team), ProductFactory(team=org.other_team)]
    teams = [org.team, org.other_team]
    owners = [org.owner, org.lead, None, UserFactory(is_active=False), org.non_member]
    MembershipFactory(team=org.team, user=org.owner)
    demo_snapshots.seed_snapshots(weeks=12)
    urls = [
        DASHBOARD,
        f"{DASHBOARD}?team={org.team.slug}&product={org.product.slug}&goal={parent.pk}&subgoals=on",
        f"{DASHBOARD}?goal={org.goal.pk}",
        f"/dashboard/unserved-goals/?team={org.team.slug}",
        f"/dashboard/unused-products/?goal={parent.pk}&subgoals=on",
    ]
    client = as_user(org.reviewer)
    spread = {"goals": goals, "products": products, "teams": teams, "owners": owners}
    bulk_usecases(org, count=10, **spread)
    with_ten = [page_queries(client, url, budget=BUDGET) for url in urls]
    bulk_usecases(org, count=990, **spread)
    assert UseCase.objects.count() == 1000
    with_thousand = [page_queries(client, url, budget=BUDGET) for url in urls]
    assert with_ten == with_thousand
    assert client.get(DASHBOARD).context["tiles"][0].count > 100  # the rows were counted
    panel = client.get(DASHBOARD).context["evidence"]
    assert sum(row.total for row in panel.areas) > 100  # and the evidence rolled up


# --- Snapshots and trends ----------------------------------------------------------------------


def test_a_snapshot_is_taken_once_a_day_org_wide_and_per_team(org, usecase_in):
    usecase_in("active")
    today = date(2026, 3, 2)
    first = snapshots.ownership_snapshot_take(today=today)
    assert {snapshot.team_id for snapshot in first} == {None, org.team.pk, org.other_team.pk}
    organisation = OwnershipSnapshot.objects.get(taken_on=today, team=None)
    assert organisation.counts["active"] == 1
    assert organisation.counts["signed"] == 1

    usecase_in("active")
    snapshots.ownership_snapshot_take(today=today)
    assert OwnershipSnapshot.objects.filter(taken_on=today).count() == 3
    organisation.refresh_from_db()
    assert organisation.counts["active"] == 2  # the day's snapshot brought up to date

    snapshots.ownership_snapshot_take(today=today + timedelta(weeks=1))
    assert OwnershipSnapshot.objects.count() == 6


def test_the_weekly_command_takes_the_snapshot(org, usecase_in):
    usecase_in("active")
    out = StringIO()
    call_command("take_ownership_snapshot", stdout=out)
    call_command("take_ownership_snapshot", stdout=out)
    assert OwnershipSnapshot.objects.count() == 3
    assert "the organisation and 2 teams" in out.getvalue()


def test_demo_back_fill_gives_twelve_weeks_once_and_says_so(as_user, org, usecase_in):
    usecase_in("active")
    created = demo_snapshots.seed_snapshots(weeks=12)
    assert created == 12 * 3  # the organisation and two teams, twelve weeks back
    assert demo_snapshots.seed_snapshots(weeks=12) == 0
    backfilled = OwnershipSnapshot.objects.exclude(taken_on=timezone.localdate())
    assert all(snapshot.counts["demo_backfill"] == 1 for snapshot in backfilled)
    for snapshot in backfilled:
        counts = snapshot.counts
        assert counts["signed"] + counts["overdue"] <= counts["active"]
        assert counts["unowned_draft"] <= counts["draft"]

    response = as_user(org.reviewer).get(DASHBOARD)
    trends = response.context["trends"]
    assert len(trends.points) == 13
    assert trends.backfilled_until == timezone.localdate() - timedelta(weeks=1)
    assert "are demo back-fill" in response.content.decode()


def test_trends_follow_the_team_filter(as_user, org, usecase_in):
    usecase_in("active")
    demo_snapshots.seed_snapshots(weeks=12)
    client = as_user(org.reviewer)
    trends = client.get(f"{DASHBOARD}?team={org.other_team.slug}").context["trends"]
    assert trends.team == org.other_team
    assert trends.points[-1].counts["active"] == 0
    product = client.get(f"{DASHBOARD}?product={org.product.slug}").content.decode()
    assert "the product and goal filters do not apply to these charts" in product


def test_trend_charts_are_labelled_svg_with_a_data_table(as_user, org, usecase_in):
    usecase_in("active")
    demo_snapshots.seed_snapshots(weeks=12)
    content = as_user(org.reviewer).get(DASHBOARD).content.decode()
    charts = re.findall(r"<svg class=\"chart-svg\".*?</svg>", content, re.DOTALL)
    assert len(charts) == 2
    counts_chart, share_chart = charts
    assert 'role="img"' in counts_chart
    assert re.search(r"<title id=\"trend-counts-title\">Key counts per week", counts_chart)
    assert '<desc id="trend-counts-desc">Weekly counts from' in counts_chart
    axis_labels = re.findall(r'<text class="chart-axis-label"[^>]*>([^<]+)</text>', counts_chart)
    assert axis_labels == ["Use cases", "Week"]
    assert re.findall(r'<text class="chart-axis-label"[^>]*>([^<]+)</text>', share_chart) == [
        "Percent",
        "Week",
    ]
    tick_labels = re.findall(r"<text x=[^>]*>([^<]+)</text>", counts_chart)
    assert any(re.fullmatch(r"\d+ [A-Z][a-z]{2}( \d{4})?", label) for label in tick_labels)
    assert "%" in share_chart
    for name in ("Active", "Attestation overdue", "Drafts without an owner", "Off track"):
        assert f"{name}</li>" in content  # the legend
    table = content.split("The numbers behind the charts")[1]
    assert table.count('<th scope="row"') == 13


def test_no_snapshots_yet_says_how_to_get_them(as_user, org):
    content = as_user(org.reviewer).get(DASHBOARD).content.decode()
    assert "take_ownership_snapshot" in content
    assert '<svg class="chart-svg"' not in content


def test_a_team_lead_sees_the_same_numbers_as_a_reviewer(as_user, org, varied):
    lead_view = {tile.key: tile.count for tile in tiles(as_user(org.lead)).values()}
    reviewer_view = {tile.key: tile.count for tile in tiles(as_user(org.reviewer)).values()}
    assert lead_view == reviewer_view


# --- Evidence: statuses per area, product and goal, each against its list ----------------------


@pytest.fixture
def evidenced(varied):
    """``varied`` with evidence areas and statuses; in review and retired ones must not count."""
    marks = {
        varied.signed: (EvidenceArea.CURRENT_VALUE, EvidenceStatus.ON_TRACK),
        varied.overdue: (EvidenceArea.CURRENT_VALUE, EvidenceStatus.AT_RISK),
        varied.due_soon: (EvidenceArea.TIME_TO_MARKET, EvidenceStatus.ON_TRACK),
        varied.off_track: (EvidenceArea.UNREALIZED_VALUE, EvidenceStatus.OFF_TRACK),
        varied.awaiting: (EvidenceArea.ABILITY_TO_INNOVATE, EvidenceStatus.NO_DATA),
        varied.gone: ("", EvidenceStatus.AT_RISK),
        varied.in_review: (EvidenceArea.CURRENT_VALUE, EvidenceStatus.ON_TRACK),
        varied.unowned: (EvidenceArea.CURRENT_VALUE, EvidenceStatus.OFF_TRACK),
    }
    for usecase, (area, status) in marks.items():
        UseCase.objects.filter(pk=usecase.pk).update(evidence_area=area, evidence_status=status)
    UseCase.objects.filter(title="Retired").update(
        evidence_area=EvidenceArea.CURRENT_VALUE, evidence_status=EvidenceStatus.OFF_TRACK
    )
    return varied


def evidence(client, query: str = ""):
    response = client.get(DASHBOARD + query)
    assert response.status_code == 200
    return response.context["evidence"]


def evidence_counts(rows) -> dict:
    """``{row name: (on track, at risk, off track, no measurements)}``."""
    return {row.name: tuple(cell.count for cell in row.cells) for row in rows}


def test_evidence_rolls_up_per_area_product_and_goal(as_user, org, evidenced):
    panel = evidence(as_user(org.reviewer))
    assert [cell.label for cell in panel.areas[0].cells] == [
        "On track",
        "At risk",
        "Off track",
        "No measurements",
    ]
    assert evidence_counts(panel.areas) == {
        "Current Value": (1, 1, 0, 0),  # in review and retired ones are not measured
        "Unrealized Value": (0, 0, 1, 0),
        "Time to Market": (1, 0, 0, 0),
        "Ability to Innovate": (0, 0, 0, 1),
        "No area": (0, 1, 0, 2),  # owner gone; the other team's two
    }
    assert evidence_counts(panel.products) == {
        org.product.name: (1, 2, 1, 2),
        "Payments Hub": (1, 0, 0, 1),
    }
    # Direct links: the parent counts "Off track" only, not its sub-goals' use cases.
    assert evidence_counts(panel.goals) == {
        evidenced.child.title: (2, 1, 0, 3),
        evidenced.grandchild.title: (0, 1, 1, 0),
        evidenced.parent.title: (0, 0, 1, 0),
    }
    content = as_user(org.reviewer).get(DASHBOARD).content.decode()
    assert '<h2 id="evidence-heading">Evidence</h2>' in content
    assert "Goal (linked directly)" in content


@pytest.mark.parametrize("scope", SCOPES)
def test_each_evidence_count_links_to_a_list_with_exactly_its_count(as_user, org, evidenced, scope):
    client = as_user(org.reviewer)
    panel = evidence(client, SCOPES[scope](evidenced, org))
    for table in ("areas", "products", "goals"):
        for row in getattr(panel, table):
            for cell in row.cells:
                assert listed_count(client, cell.url) == cell.count, (
                    f"{table} {row.name} {cell.label} ({scope}): {cell.url}"
                )


def test_evidence_follows_the_dashboard_filters(as_user, org, evidenced):
    client = as_user(org.reviewer)
    other = evidence(client, f"?team={org.other_team.slug}")
    assert evidence_counts(other.areas)["No area"] == (0, 0, 0, 2)
    assert sum(row.total for row in other.areas) == 2
    by_product = evidence(client, f"?product={evidenced.second_product.slug}")
    assert evidence_counts(by_product.products) == {"Payments Hub": (1, 0, 0, 1)}
    by_goal = evidence(client, f"?goal={evidenced.child.pk}&subgoals=on")
    assert {row.name for row in by_goal.goals} == {
        evidenced.child.title,
        evidenced.grandchild.title,
    }
    alone = evidence(client, f"?goal={evidenced.grandchild.pk}")
    assert evidence_counts(alone.goals) == {evidenced.grandchild.title: (0, 1, 1, 0)}
    for row in [*alone.areas, *alone.products, *alone.goals]:
        for cell in row.cells:
            assert f"goal={evidenced.grandchild.pk}" in cell.url


def test_the_list_filters_by_evidence_and_area(as_user, org, evidenced):
    client = as_user(org.reviewer)
    on_track = client.get("/usecases/?evidence=on_track").context["page"].object_list
    assert {uc.title for uc in on_track} == {"Signed and current", "Attestation lapses soon"}
    no_area = client.get("/usecases/?evidence_area=none&evidence=at_risk")
    assert [uc.title for uc in no_area.context["page"].object_list] == ["Owner deactivated"]
    current = client.get("/usecases/?evidence_area=current_value").context["page"].object_list
    assert len(current) == 5  # any status: the area filter alone does not narrow to measured
