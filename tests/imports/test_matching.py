"""The units and teams a file names, matched by name or created: a path of units (the registry's
own export) is walked level by level."""

import pytest

from imports.matching import Names
from portfolio.models import Team
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_a_path_of_units_is_created_level_by_level_and_found_again():
    team = Names(create=True, writing=True).team(team_name="Department › Agency › Claims")

    assert [team.name, team.parent.name, team.parent.parent.name] == [
        "Claims",
        "Agency",
        "Department",
    ]
    again = Names(create=True, writing=True).team(team_name="department ›  agency › CLAIMS")
    assert again == team
    assert Team.objects.count() == 3


def test_a_team_of_the_same_name_under_another_unit_is_not_this_one():
    elsewhere = TeamFactory(name="Office of the Secretary", parent=TeamFactory(name="Treasury"))

    team = Names(create=True, writing=True).team(
        team_name="Department of Energy › Office of the Secretary"
    )

    assert team != elsewhere
    assert team.name == "Office of the Secretary (Department of Energy)"
    assert team.parent.name == "Department of Energy"


def test_a_preview_lists_the_path_s_units_and_team_to_create():
    names = Names(create=True, writing=False)

    assert names.team(team_name="Department › Agency") is None
    assert names.to_create["unit"] == {"Department"}
    assert names.to_create["team"] == {"Agency"}
    assert not Team.objects.exists()
