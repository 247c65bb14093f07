"""Organisation units on the team pages: the team list is the tree, a team's page shows the units
above it and beneath it, and its use cases include its sub-units'."""

import re

import pytest

from tests.conftest import make_usecase
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_the_team_list_is_the_tree_of_units(as_user, org, unit_tree):
    response = as_user(org.member).get("/teams/")
    rows = [(node.item.name, node.depth) for node in response.context["teams"]]
    assert rows == [
        ("Department", 0),
        ("Agency", 1),
        ("Claims Processing", 2),
        ("Digital Platforms", 0),
    ]
    assert re.search(
        r'<span class="indent indent-2"></span><a href="/teams/claims-processing/"', response.text
    )


def test_a_team_page_shows_the_units_above_and_beneath_it(as_user, org, unit_tree):
    department, agency, bureau = unit_tree
    html = as_user(org.member).get(agency.get_absolute_url()).text
    breadcrumb = re.search(r'<ol class="breadcrumb">(.*?)</ol>', html).group(1)
    assert re.sub(r"<[^>]+>", " ", breadcrumb).split() == ["Department", "Agency"]
    assert '<a href="/teams/department/">Department</a>' in breadcrumb
    sub_units = re.search(r'id="units-heading".*?</section>', html, re.S).group(0)
    assert '<a href="/teams/claims-processing/">Claims Processing</a>' in sub_units
    top = as_user(org.member).get(department.get_absolute_url()).text
    assert 'class="breadcrumb"' not in top  # nothing above a top-level unit


def test_a_unit_page_lists_its_sub_units_use_cases_and_links_to_the_rolled_up_list(
    as_user, org, unit_tree
):
    department, agency, bureau = unit_tree
    usecase = make_usecase(org=org, title="Sort the post by urgency")
    html = as_user(org.member).get(department.get_absolute_url()).text
    assert 'Use cases <span class="muted">(1)</span>' in html
    assert usecase.key in html
    assert "/usecases/?team=department" in html
    listed = as_user(org.member).get("/usecases/?team=department").context["page"]
    assert [row.key for row in listed] == [usecase.key]


def _nest(team, *, above: int, below: int, tag: str):
    """Put ``above`` units, each under the last, above ``team`` (with one beside each), and
    ``below`` sub-units under it."""
    parent = team.parent
    for n in range(above):
        parent = TeamFactory(name=f"Unit {tag}{n}", parent=parent)
        TeamFactory(name=f"Beside {tag}{n}", parent=parent)
    team.parent = parent
    team.save()
    for n in range(below):
        TeamFactory(name=f"Below {tag}{n}", parent=team)


@pytest.mark.parametrize("url", ["/teams/", "/teams/{slug}/"])
def test_team_pages_cost_the_same_however_deep_the_tree(as_user, org, page_queries, url):
    client = as_user(org.member)
    url = url.format(slug=org.team.slug)
    _nest(org.team, above=1, below=1, tag="a")
    shallow = page_queries(client, url, budget=15)
    _nest(org.team, above=11, below=6, tag="b")
    assert page_queries(client, url, budget=15) == shallow
