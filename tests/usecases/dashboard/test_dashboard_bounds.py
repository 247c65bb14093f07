"""A large organisation's dashboard stays bounded: the team table and the goal tree open
breadth-first within ``DASHBOARD_TABLE_ROWS`` rows, a row whose children did not fit links to the
dashboard narrowed to it (where they show), the evidence panel shows the products and goals with
the most measured use cases and links to a paged page listing them all. Every shown count still
equals the list it links to, and the query count does not grow past the bound.

The bound is set small here, so a few units, goals and products exceed it."""

import pytest

from tests.conftest import ROLES
from tests.factories import GoalFactory, ProductFactory, TeamFactory
from tests.usecases.dashboard.test_dashboard import (
    BUDGET,
    DASHBOARD,
    bulk_usecases,
    listed_count,
    rollup_cells,
)

pytestmark = pytest.mark.django_db

EVIDENCE = "/dashboard/evidence/{}/"


def assert_rows_count_their_lists(client, rows):
    for row in rows:
        for cell in rollup_cells(row):
            assert listed_count(client, cell.url) == cell.count, f"{row.name} {cell.label}"


def outline(rows) -> list[str]:
    """The rows' names, indented two spaces a level."""
    return ["  " * row.depth + row.name for row in rows]


def drill(client, row):
    """The dashboard a row's drill-down link opens."""
    assert row.drill_url, f"{row.name} has no drill-down"
    response = client.get(row.drill_url)
    assert response.status_code == 200
    return response


@pytest.fixture
def units(org):
    """Department > Alpha (> Alpha One, Alpha Two), Beta, Gamma; Claims Processing and Digital
    Platforms at the top; use cases in every unit."""
    department = TeamFactory(name="Department", slug="department")
    alpha = TeamFactory(name="Alpha", slug="alpha", parent=department)
    beta = TeamFactory(name="Beta", slug="beta", parent=department)
    gamma = TeamFactory(name="Gamma", slug="gamma", parent=department)
    alpha_one = TeamFactory(name="Alpha One", slug="alpha-one", parent=alpha)
    alpha_two = TeamFactory(name="Alpha Two", slug="alpha-two", parent=alpha)
    every = [org.team, org.other_team, alpha, beta, gamma, alpha_one, alpha_two]
    bulk_usecases(
        org, count=70, goals=[org.goal], products=[org.product], teams=every, owners=[org.owner]
    )
    return department, alpha


def test_the_team_table_opens_breadth_first_within_the_bound(as_user, org, units, settings):
    settings.DASHBOARD_TABLE_ROWS = 6
    department, alpha = units
    client = as_user(org.reviewer)
    panel = client.get(DASHBOARD).context["teams"]
    # Three tops and the department's three units fit; Alpha's two do not.
    shown = ["Claims Processing", "Department", "  Alpha", "  Beta", "  Gamma", "Digital Platforms"]
    assert outline(panel.rows) == shown
    closed = {row.name: row.drill_label for row in panel.rows if row.drill_url}
    assert closed == {"Alpha": "2 sub-units"}
    assert_rows_count_their_lists(client, [*panel.rows, panel.total])
    content = client.get(DASHBOARD).content.decode()
    assert 'class="drill-down" href="/dashboard/?team=alpha"' in content

    alpha_row = next(row for row in panel.rows if row.name == "Alpha")
    opened = drill(client, alpha_row).context["teams"]
    assert outline(opened.rows) == ["Alpha", "  Alpha One", "  Alpha Two"]
    assert rollup_cells(opened.rows[0]) == rollup_cells(alpha_row)
    assert_rows_count_their_lists(client, opened.rows)


def test_a_small_organisation_shows_every_unit(as_user, org, units):
    rows = as_user(org.reviewer).get(DASHBOARD).context["teams"].rows
    assert len(rows) == 8
    assert not any(row.drill_url for row in rows)


def test_tops_beyond_the_bound_are_those_with_fewest_use_cases(as_user, org, units, settings):
    settings.DASHBOARD_TABLE_ROWS = 2
    client = as_user(org.reviewer)
    response = client.get(DASHBOARD)
    panel = response.context["teams"]
    # Digital Platforms holds 10 of the 70, Claims Processing 10, the department 50: Claims
    # Processing comes first among the equal.
    assert [row.name for row in panel.rows] == ["Claims Processing", "Department"]
    assert panel.tops_left_out == 1
    assert panel.total.counts["total"] == 70  # still counts every unit
    assert "1 more unit with the fewest use cases is counted above" in response.content.decode()
    assert panel.rows[1].drill_label == "3 sub-units"
    # The filter reaches the unit left out.
    hidden = client.get(f"{DASHBOARD}?team=digital-platforms").context["teams"]
    assert [row.name for row in hidden.rows] == ["Digital Platforms"]
    assert hidden.rows[0].counts["total"] == 10


@pytest.fixture
def goal_tree(org):
    """Decide claims faster (org.goal) > First (> First Inner), Second, Third; use cases serving
    each."""
    first = GoalFactory(title="First", parent=org.goal)
    second = GoalFactory(title="Second", parent=org.goal)
    third = GoalFactory(title="Third", parent=org.goal)
    inner = GoalFactory(title="First Inner", parent=first)
    bulk_usecases(
        org,
        count=55,
        goals=[org.goal, first, second, third, inner],
        products=[org.product],
        teams=[org.team],
        owners=[org.owner],
    )
    return first


def test_the_goal_tree_opens_within_the_bound_and_drills_down(as_user, org, goal_tree, settings):
    settings.DASHBOARD_TABLE_ROWS = 4
    client = as_user(org.reviewer)
    tree = client.get(DASHBOARD).context["goal_tree"]
    assert outline(tree) == ["Decide claims faster", "  First", "  Second", "  Third"]
    assert {row.name: row.drill_label for row in tree if row.drill_url} == {"First": "1 sub-goal"}
    assert_rows_count_their_lists(client, tree)
    first = next(row for row in tree if row.goal == goal_tree)
    opened = drill(client, first).context["goal_tree"]
    assert outline(opened) == ["First", "  First Inner"]
    assert [cell.count for cell in rollup_cells(opened.rows[0])] == [
        cell.count for cell in rollup_cells(first)
    ]
    assert_rows_count_their_lists(client, opened)


def test_a_drilled_goal_always_shows_what_is_beneath_it(as_user, org, goal_tree, settings):
    settings.DASHBOARD_TABLE_ROWS = 3
    client = as_user(org.reviewer)
    top = client.get(DASHBOARD).context["goal_tree"]
    assert [row.name for row in top] == ["Decide claims faster"]
    assert top.rows[0].drill_label == "3 sub-goals"
    response = drill(client, top.rows[0])
    opened = response.context["goal_tree"]
    # The goal itself, then two of its three sub-goals: those with the most use cases.
    assert [row.name for row in opened][0] == "Decide claims faster"
    assert len(opened) == 3
    assert opened.tops_left_out == 1
    assert "1 more goal with the fewest use cases is not shown" in response.content.decode()
    assert_rows_count_their_lists(client, opened)


@pytest.fixture
def products(org):
    """Five products, each with a different number of use cases (measured among them)."""
    made = [org.product] + [
        ProductFactory(name=f"Product {letter}", slug=f"product-{letter}", team=org.team)
        for letter in "abcd"
    ]
    weighted = [product for n, product in enumerate(made) for _ in range(n + 1)]
    bulk_usecases(
        org, count=150, goals=[org.goal], products=weighted, teams=[org.team], owners=[org.owner]
    )
    return made


def evidence_totals(rows) -> dict:
    return {row.name: row.total for row in rows}


def test_the_evidence_panel_shows_the_most_measured_products(as_user, org, products, settings):
    settings.DASHBOARD_TABLE_ROWS = 2
    client = as_user(org.reviewer)
    response = client.get(DASHBOARD)
    panel = response.context["evidence"]
    assert panel.product_count == 5
    listed = client.get(EVIDENCE.format("products"))
    assert listed.context["page"].paginator.count == 5
    every = {}
    for number in (1, 2, 3):
        page = client.get(EVIDENCE.format("products"), {"page": number})
        assert page.status_code == 200
        every |= evidence_totals(page.context["rows"])
        for row in page.context["rows"]:
            for cell in row.cells:
                assert listed_count(client, cell.url) == cell.count, f"{row.name} {cell.label}"
    assert len(every) == 5
    largest = sorted(every, key=lambda name: -every[name])[:2]
    assert evidence_totals(panel.products) == {name: every[name] for name in largest}
    content = response.content.decode()
    assert "The 2 of 5 products with the most measured use cases." in content
    assert f'href="{panel.products_url}">All 5 products</a>' in content


def test_the_evidence_lists_keep_the_dashboard_filters(as_user, org, products, settings):
    settings.DASHBOARD_TABLE_ROWS = 2
    client = as_user(org.reviewer)
    query = f"?team={org.team.slug}&goal={org.goal.pk}&subgoals=on"
    panel = client.get(DASHBOARD + query).context["evidence"]
    assert panel.products_url == EVIDENCE.format("products") + query
    goals = client.get(panel.goals_url).context["rows"]
    assert [row.name for row in goals] == [org.goal.title]
    for row in goals:
        for cell in row.cells:
            assert f"team={org.team.slug}" in cell.url
            assert listed_count(client, cell.url) == cell.count


def test_a_small_organisation_shows_every_product(as_user, org, products):
    panel = as_user(org.reviewer).get(DASHBOARD).context["evidence"]
    assert len(panel.products) == panel.product_count == 5
    assert "products with the most measured" not in as_user(org.reviewer).get(DASHBOARD).text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["products", "goals"])
def test_everyone_signed_in_reads_the_evidence_lists(as_role, usecase, role, kind):
    response = as_role(role).get(EVIDENCE.format(kind))
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == 200


def test_the_cost_is_the_same_within_and_past_the_bound(
    as_user, org, unit_tree, page_queries, settings
):
    settings.DASHBOARD_TABLE_ROWS = 4
    department = unit_tree[0]
    client = as_user(org.reviewer)
    urls = [DASHBOARD, f"{DASHBOARD}?team={department.slug}", EVIDENCE.format("products")]
    urls += [
        f"{DASHBOARD}?goal={org.goal.pk}&subgoals=on",
        f"{EVIDENCE.format('goals')}?team=department&page=2",
    ]
    spread = {"owners": [org.owner]}
    bulk_usecases(
        org, count=10, goals=[org.goal], products=[org.product], teams=[org.team], **spread
    )
    few = [page_queries(client, url, budget=BUDGET) for url in urls]
    units = [TeamFactory(name=f"Office {n}", parent=department) for n in range(8)]
    goals = [GoalFactory(title=f"Objective {n}", parent=org.goal) for n in range(8)]
    made = [ProductFactory(team=unit) for unit in units]
    bulk_usecases(org, count=200, goals=goals, products=made, teams=units, **spread)
    assert [page_queries(client, url, budget=BUDGET) for url in urls] == few
    response = client.get(DASHBOARD)
    assert len(response.context["teams"].rows) <= 4
    assert len(response.context["goal_tree"]) <= 4
    assert len(response.context["evidence"].products) <= 4
