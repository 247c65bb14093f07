"""Organisation units: a team sits under another (any depth), never under itself or one of its
own sub-units; an active unit never sits under an archived one. Services, the admin team form per
role, and the Django admin."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from administration.services import editing, teams
from administration.services.errors import AdminError
from portfolio.models import AdminEvent, Team
from portfolio.selectors import team_descendant_ids, team_path
from tests.conftest import ROLES, expect_admin_only
from tests.factories import TeamFactory, admin_user

pytestmark = pytest.mark.django_db


def _move(team, parent, actor):
    return teams.team_update(team=team, actor=actor, data={"parent": parent})


# --- Services ------------------------------------------------------------------------------------


def test_units_nest_to_any_depth_and_the_path_reads_outermost_first(org, unit_tree):
    department, agency, bureau = unit_tree
    office = teams.team_create(
        actor=org.admin, data={"name": "Field Office", "kind": "operations", "parent": bureau}
    )
    assert [unit.name for unit in team_path(office)] == [
        "Department",
        "Agency",
        "Claims Processing",
    ]
    assert team_descendant_ids(department) == {department.pk, agency.pk, bureau.pk, office.pk}
    assert AdminEvent.objects.filter(action="team.created", target_label="Field Office").get()


def test_moving_a_unit_takes_its_sub_units_with_it(org, unit_tree):
    department, agency, bureau = unit_tree
    _move(agency, org.other_team, org.admin)
    assert [unit.name for unit in team_path(bureau)] == ["Digital Platforms", "Agency"]
    event = AdminEvent.objects.filter(action="team.updated", target_label="Agency").get()
    assert event.details["changes"]["parent"] == ["Department", "Digital Platforms"]


@pytest.mark.parametrize("under", ["itself", "its child", "its grandchild"])
def test_a_team_under_itself_or_its_own_sub_unit_is_refused_naming_the_field(org, unit_tree, under):
    department, agency, bureau = unit_tree
    parent = {"itself": department, "its child": agency, "its grandchild": bureau}[under]
    events = AdminEvent.objects.count()
    with pytest.raises(AdminError, match=r"^Part of: a team cannot sit under itself"):
        _move(department, parent, org.admin)
    department.refresh_from_db()
    assert department.parent is None
    assert AdminEvent.objects.count() == events


def test_the_database_refuses_a_team_as_its_own_parent(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.filter(pk=org.team.pk).update(parent=org.team.pk)


def test_a_team_is_not_placed_under_an_archived_unit(org):
    teams.team_set_archived(team=org.other_team, actor=org.admin, archived=True)
    with pytest.raises(AdminError, match=r"^Part of: Digital Platforms is archived"):
        teams.team_create(
            actor=org.admin, data={"name": "New", "kind": "it", "parent": org.other_team}
        )
    with pytest.raises(AdminError, match=r"^Part of: Digital Platforms is archived"):
        _move(org.team, org.other_team, org.admin)
    assert not Team.objects.filter(name="New").exists()
    org.team.refresh_from_db()
    assert org.team.parent is None


def test_a_unit_with_active_sub_units_is_not_archived_until_they_are(org, unit_tree):
    department, agency, bureau = unit_tree
    with pytest.raises(AdminError, match=r"Department still has sub-units .*\(Agency\)"):
        teams.team_set_archived(team=department, actor=org.admin, archived=True)
    department.refresh_from_db()
    assert not department.is_archived
    for unit in (bureau, agency, department):  # from the bottom up
        teams.team_set_archived(team=unit, actor=org.admin, archived=True)
    assert Team.objects.filter(is_archived=True).count() == 3


def test_a_sub_unit_is_restored_only_after_its_unit(org, unit_tree):
    department, agency, bureau = unit_tree
    for unit in (bureau, agency):
        teams.team_set_archived(team=unit, actor=org.admin, archived=True)
    with pytest.raises(AdminError, match="restore Agency first"):
        teams.team_set_archived(team=bureau, actor=org.admin, archived=False)
    teams.team_set_archived(team=agency, actor=org.admin, archived=False)
    teams.team_set_archived(team=bureau, actor=org.admin, archived=False)
    assert not Team.objects.filter(is_archived=True).exists()


# --- The admin team form, per role ---------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_move_a_team(as_role, org, unit_tree, role):
    department, agency, bureau = unit_tree
    data = {
        "name": bureau.name,
        "kind": bureau.kind,
        "parent": org.other_team.pk,
        "description": "",
        "fingerprint": editing.state_fingerprint(teams.team_state(bureau)),
    }
    response = as_role(role).post(reverse("administration:team_edit", args=[bureau.slug]), data)
    expect_admin_only(response, role, ok=(302,))
    bureau.refresh_from_db()
    assert (bureau.parent_id == org.other_team.pk) == (role == "admin")


def test_part_of_offers_every_other_unit_with_its_path_but_never_the_team_or_beneath_it(
    as_user, org, unit_tree
):
    department, agency, bureau = unit_tree
    response = as_user(org.admin).get(reverse("administration:team_edit", args=[agency.slug]))
    choices = dict(response.context["form"].fields["parent"].choices)
    assert list(choices.values()) == ["None: a top-level unit", "Department", "Digital Platforms"]
    assert f'value="{department.pk}" selected' in response.text
    response = as_user(org.admin).get(reverse("administration:team_edit", args=[bureau.slug]))
    labels = list(dict(response.context["form"].fields["parent"].choices).values())
    assert "Department › Agency" in labels


def test_moving_a_team_under_its_own_sub_unit_in_the_form_is_refused(as_user, org, unit_tree):
    department, agency, bureau = unit_tree
    data = {
        "name": "Department",
        "kind": "business",
        "parent": bureau.pk,
        "description": "",
        "fingerprint": editing.state_fingerprint(teams.team_state(department)),
    }
    response = as_user(org.admin).post(
        reverse("administration:team_edit", args=[department.slug]), data
    )
    assert response.status_code == 400
    assert "Choose a unit that is not archived and is not this team" in response.text
    department.refresh_from_db()
    assert department.parent is None


def test_add_a_sub_unit_starts_the_new_team_under_it(as_user, org, unit_tree):
    department, agency, bureau = unit_tree
    client = as_user(org.admin)
    page = client.get(department.get_absolute_url())
    add_below = f"{reverse('administration:team_create')}?parent={department.slug}"
    assert add_below in page.text
    form = client.get(add_below).context["form"]
    assert form.initial["parent"] == department
    client.post(
        reverse("administration:team_create"),
        {"name": "Regional Office", "kind": "operations", "parent": department.pk},
    )
    assert Team.objects.get(name="Regional Office").parent == department


def test_archiving_a_unit_with_active_sub_units_on_its_page_says_why(as_user, org, unit_tree):
    department, agency, bureau = unit_tree
    response = as_user(org.admin).post(
        reverse("administration:team_archive", args=[department.slug]),
        {"archived": "1"},
        follow=True,
    )
    assert "still has sub-units that are not archived (Agency)" in response.text
    assert "Nothing was changed." in response.text
    department.refresh_from_db()
    assert not department.is_archived


def test_the_django_admin_refuses_a_team_under_its_own_sub_unit(client, org, unit_tree):
    department, agency, bureau = unit_tree
    client.force_login(admin_user(username="root", is_superuser=True))
    response = client.post(
        reverse("admin:portfolio_team_change", args=[department.pk]),
        {
            "name": "Department",
            "slug": department.slug,
            "kind": "business",
            "parent": bureau.pk,
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "cannot sit under itself or one of its own sub-units" in response.text
    department.refresh_from_db()
    assert department.parent is None


def test_a_team_edit_page_costs_the_same_however_many_units(as_user, org, page_queries):
    client = as_user(org.admin)
    url = reverse("administration:team_edit", args=[org.team.slug])
    few = page_queries(client, url, budget=20)
    parent = org.other_team
    for n in range(12):
        parent = TeamFactory(name=f"Unit {n}", parent=parent)
    assert page_queries(client, url, budget=20) == few
