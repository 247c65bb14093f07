"""The dashboard rolls up through the organisation units: the team table is the tree of units, each
counting its sub-units' use cases; the team filter takes a unit with its sub-units (or alone); every
count still equals the list it links to; the query count does not grow with the units."""

import pytest

from administration.services import teams
from demo import snapshots as demo_snapshots
from portfolio.models import Product, Team
from tests.factories import GoalFactory, ProductFactory, TeamFactory
from tests.usecases.dashboard.test_dashboard import (
    BUDGET,
    DASHBOARD,
    bulk_usecases,
    listed_count,
    rollup_cells,
    tiles,
    varied,  # noqa: F401 (the fixture)
)
from usecases.dashboard import snapshots
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(org, varied):  # noqa: F811
    """Department > Claims Processing (org.team) > Bureau, which takes two of the team's active
    use cases and owns a product nobody uses; Digital Platforms stays at the top."""
    department = teams.team_create(actor=org.admin, data={"name": "Department", "kind": "business"})
    teams.team_update(team=org.team, actor=org.admin, data={"parent": department})
    bureau = teams.team_create(
        actor=org.admin, data={"name": "Bureau", "kind": "business", "parent": org.team}
    )
    UseCase.objects.filter(pk__in=[varied.signed.pk, varied.overdue.pk]).update(team=bureau)
    ProductFactory(name="Bureau Portal", slug="bureau-portal", team=bureau)
    return department, bureau


def test_the_team_table_is_the_unit_tree_and_each_unit_counts_its_sub_units(as_user, org, units):
    department, bureau = units
    client = as_user(org.reviewer)
    panel = client.get(DASHBOARD).context["teams"]
    assert [(row.name, row.depth) for row in panel.rows] == [
        ("Department", 0),
        ("Claims Processing", 1),
        ("Bureau", 2),
        ("Digital Platforms", 0),
    ]
    by_name = {row.name: row for row in panel.rows}
    assert by_name["Bureau"].counts["active"] == 2
    assert by_name["Claims Processing"].counts["active"] == 5  # its own three and the bureau's
    assert by_name["Department"].counts == by_name["Claims Processing"].counts
    tops = [row for row in panel.rows if row.depth == 0]
    assert sum(row.counts["total"] for row in tops) == panel.total.counts["total"]
    for row in [*panel.rows, panel.total]:
        for cell in rollup_cells(row):
            assert listed_count(client, cell.url) == cell.count, f"{row.name} {cell.label}"


@pytest.mark.parametrize("query", ["?team=department", "?team=claims-processing&subunits=none"])
def test_every_tile_of_a_unit_counts_the_list_it_links_to(as_user, org, units, query):
    client = as_user(org.reviewer)
    for tile in tiles(client, query).values():
        assert listed_count(client, tile.url) == tile.count, tile.key


def test_the_team_filter_takes_the_unit_with_its_sub_units_or_alone(as_user, org, units):
    client = as_user(org.reviewer)
    everything = tiles(client)["active"].count
    response = client.get(f"{DASHBOARD}?team=department")
    assert response.context["scope"].description == "Use cases of team Department and its sub-units"
    assert {tile.key: tile for tile in response.context["tiles"]}["active"].count == everything - 2
    assert [row.name for row in response.context["teams"].rows] == [
        "Department",
        "Claims Processing",
        "Bureau",
    ]
    alone = client.get(f"{DASHBOARD}?team=claims-processing&subunits=none")
    assert {tile.key: tile for tile in alone.context["tiles"]}["active"].count == 3
    assert [row.name for row in alone.context["teams"].rows] == ["Claims Processing"]
    assert 'value="none" selected' in alone.text  # the form keeps the choice


def test_a_unit_counts_its_sub_units_unused_products(as_user, org, units):
    client = as_user(org.reviewer)
    unused = client.get("/dashboard/unused-products/?team=department").context["items"]
    assert [product.name for product in unused] == ["Bureau Portal"]
    alone = "/dashboard/unused-products/?team=department&subunits=none"
    assert client.get(alone).context["items"] == []


def test_a_unit_trend_adds_up_its_sub_units_snapshots(as_user, org, units):
    snapshots.ownership_snapshot_take()
    client = as_user(org.reviewer)
    trends = client.get(f"{DASHBOARD}?team=department").context["trends"]
    assert trends.points[-1].get("active") == 5
    assert "Department and its sub-units" in trends.counts_chart.title
    alone = client.get(f"{DASHBOARD}?team=claims-processing&subunits=none").context["trends"]
    assert alone.points[-1].get("active") == 3


def test_the_dashboard_costs_the_same_however_many_units(as_user, org, page_queries):
    goals = [org.goal, GoalFactory()]
    products = list(Product.objects.all())
    spread = {"goals": goals, "products": products, "owners": [org.owner, None]}
    demo_snapshots.seed_snapshots(weeks=12)
    department = TeamFactory(name="Department", slug="department")
    org.team.parent = department
    org.team.save()
    urls = [
        DASHBOARD,
        f"{DASHBOARD}?team=department",
        "/dashboard/unused-products/?team=department",
    ]
    client = as_user(org.reviewer)
    bulk_usecases(org, count=20, teams=[org.team, org.other_team], **spread)
    few = [page_queries(client, url, budget=BUDGET) for url in urls]
    parent, units = org.team, []
    for n in range(12):  # twelve more units, each under the last, each with use cases
        parent = TeamFactory(name=f"Office {n}", parent=parent)
        units.append(parent)
        ProductFactory(team=parent)
    bulk_usecases(org, count=200, teams=units, **spread)
    assert [page_queries(client, url, budget=BUDGET) for url in urls] == few
    rows = client.get(DASHBOARD).context["teams"].rows
    assert rows[0].counts["total"] == 220 - 10  # Department: all but Digital Platforms' ten


def test_units_whose_parents_form_a_loop_still_count_what_their_lists_show(as_user, org):
    """Only raw data can hold such a loop (the services refuse one; a recursive roll-up once
    raised RecursionError on it): narrowed to either unit, the dashboard answers, each unit once,
    each counting what the list filtered by it shows (every unit the loop reaches)."""
    first = TeamFactory(name="First in a loop")
    second = TeamFactory(name="Second in a loop", parent=first)
    Team.objects.filter(pk=first.pk).update(parent=second)
    spread = {"goals": [org.goal], "products": [org.product], "owners": [org.owner]}
    bulk_usecases(org, count=2, teams=[first], **spread)
    bulk_usecases(org, count=3, teams=[second], **spread)
    client = as_user(org.reviewer)
    for top, below in [(first, second), (second, first)]:
        response = client.get(f"{DASHBOARD}?team={top.slug}")
        assert response.status_code == 200
        rows = response.context["teams"].rows
        assert [(row.name, row.depth) for row in rows] == [(top.name, 0), (below.name, 1)]
        assert [row.counts["total"] for row in rows] == [5, 5]
        for row in rows:
            for cell in rollup_cells(row):
                assert listed_count(client, cell.url) == cell.count, f"{row.name} {cell.label}"
