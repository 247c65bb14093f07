"""The use-case list's team filter rolls up through the organisation units: a unit's list holds
its sub-units' use cases too, unless "This team only" is chosen."""

import re

import pytest

from administration.services import teams
from portfolio.selectors import path_choices
from tests.conftest import make_usecase
from tests.factories import TeamFactory
from tests.usecases.views.test_query_budget import BUDGET, add_usecases
from usecases.models import UseCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(org):
    """Department > Claims Processing (org.team) > Bureau, a use case in each of the lower two,
    one in Digital Platforms (top level)."""
    department = teams.team_create(actor=org.admin, data={"name": "Department", "kind": "business"})
    teams.team_update(team=org.team, actor=org.admin, data={"parent": department})
    bureau = teams.team_create(
        actor=org.admin, data={"name": "Bureau", "kind": "business", "parent": org.team}
    )
    own = make_usecase(org=org, title="Claims' own")
    below = make_usecase(org=org, title="The bureau's")
    elsewhere = make_usecase(org=org, title="Elsewhere")
    UseCase.objects.filter(pk=below.pk).update(team=bureau)
    UseCase.objects.filter(pk=elsewhere.pk).update(team=org.other_team)
    return department, bureau, own, below


def listed(client, query: str) -> list[str]:
    response = client.get(f"/usecases/?{query}")
    assert response.status_code == 200
    return sorted(usecase.title for usecase in response.context["page"])


def test_a_unit_lists_its_own_and_every_sub_unit_use_case(as_user, org, units):
    client = as_user(org.member)
    assert listed(client, "team=department") == ["Claims' own", "The bureau's"]
    assert listed(client, f"team={org.team.slug}") == ["Claims' own", "The bureau's"]
    assert listed(client, "team=bureau") == ["The bureau's"]


def test_the_team_choices_read_as_the_tree(as_user, org, units):
    html = as_user(org.member).get("/usecases/").text
    options = html[html.index('name="team"') : html.index("</select>", html.index('name="team"'))]
    assert [name for name in re.findall(r'<option value="([^"]*)"', options)] == [
        "",
        "department",
        "claims-processing",
        "bureau",
        "digital-platforms",
    ]
    assert '<option value="bureau">Department › Claims Processing › Bureau</option>' in options


def test_the_team_choices_follow_a_renamed_or_moved_unit_at_once(as_user, org, units):
    """The paths are worked out once per process for the same units: a unit renamed or moved
    since the last page is shown by its new path on the next."""
    department, bureau, *_ = units
    client = as_user(org.member)

    def options():
        html = client.get("/usecases/").text
        return html[html.index('name="team"') : html.index("</select>", html.index('name="team"'))]

    assert "Department › Claims Processing › Bureau</option>" in options()
    hits = path_choices.cache_info().hits
    assert "Department › Claims Processing › Bureau</option>" in options()
    assert path_choices.cache_info().hits > hits  # the same units: worked out once
    teams.team_update(team=department, actor=org.admin, data={"name": "Ministry"})
    assert "Ministry › Claims Processing › Bureau</option>" in options()
    assert "Department" not in options()
    teams.team_update(team=bureau, actor=org.admin, data={"parent": org.other_team})
    assert f"{org.other_team.name} › Bureau</option>" in options()
    assert "Claims Processing › Bureau" not in options()


def test_this_team_only_leaves_the_sub_units_out(as_user, org, units):
    client = as_user(org.member)
    assert listed(client, f"team={org.team.slug}&subunits=none") == ["Claims' own"]
    assert listed(client, "team=department&subunits=none") == []
    html = client.get(f"/usecases/?team={org.team.slug}&subunits=none").text
    assert '<option value="none" selected>This team only</option>' in html
    assert '<option value="">Included</option>' in html


def test_an_unknown_sub_units_choice_is_named_and_ignored(as_user, org, units):
    response = as_user(org.member).get("/usecases/?team=department&subunits=maybe")
    assert "Some filters were not understood" in response.text
    assert "subunits" in response.text
    assert sorted(row.title for row in response.context["page"]) == ["Claims' own", "The bureau's"]


def test_the_filtered_list_costs_the_same_however_many_units(as_user, org, units, page_queries):
    department, bureau, own, below = units
    client = as_user(org.member)
    url = "/usecases/?team=department"
    add_usecases(org, 5)
    few = page_queries(client, url, budget=BUDGET)
    parent = bureau
    for n in range(12):
        parent = TeamFactory(name=f"Office {n}", parent=parent)
    add_usecases(org, 50)
    assert page_queries(client, url, budget=BUDGET) == few
