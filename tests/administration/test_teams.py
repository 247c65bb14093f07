"""Team administration in our own pages: teams, members, leads; every action in the history."""

import pytest
from django.test import Client
from django.urls import reverse

from administration.services import teams
from administration.services.errors import AdminError
from portfolio.choices import MembershipRole, TeamKind
from portfolio.models import AdminEvent, Membership, Team
from tests.conftest import ROLES, expect_admin_only
from tests.factories import UserFactory

# --- Services ------------------------------------------------------------------------------------


def test_team_create_records_an_admin_event(org):
    team = teams.team_create(
        actor=org.admin, data={"name": "Fraud Analytics", "kind": TeamKind.IT, "description": ""}
    )
    assert team.slug == "fraud-analytics"
    event = AdminEvent.objects.get()
    assert (event.action, event.actor, event.target_label) == (
        "team.created",
        org.admin,
        "Fraud Analytics",
    )


def test_team_update_records_what_changed(org):
    teams.team_update(team=org.team, actor=org.admin, data={"name": "Claims", "kind": "it"})
    event = AdminEvent.objects.get(action="team.updated")
    assert event.details["changes"]["name"] == ["Claims Processing", "Claims"]


def test_a_duplicate_team_name_is_refused(org):
    with pytest.raises(AdminError, match="already exists"):
        teams.team_create(actor=org.admin, data={"name": "claims processing", "kind": "it"})
    assert Team.objects.count() == 2


def test_members_are_added_promoted_and_removed(org):
    newcomer = UserFactory(username="nico")
    membership = teams.membership_add(team=org.team, actor=org.admin, user=newcomer)
    assert membership.role == MembershipRole.MEMBER
    teams.membership_set_role(membership=membership, actor=org.admin, role="lead")
    membership.refresh_from_db()
    assert membership.role == MembershipRole.LEAD
    teams.membership_remove(membership=membership, actor=org.admin)
    assert not Membership.objects.filter(team=org.team, user=newcomer).exists()
    assert list(AdminEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "membership.added",
        "membership.role_changed",
        "membership.removed",
    ]


def test_adding_someone_twice_or_to_an_archived_team_is_refused(org):
    with pytest.raises(AdminError, match="already in"):
        teams.membership_add(team=org.team, actor=org.admin, user=org.member)
    teams.team_set_archived(team=org.other_team, actor=org.admin, archived=True)
    with pytest.raises(AdminError, match="archived"):
        teams.membership_add(team=org.other_team, actor=org.admin, user=org.member)


# --- Permissions per role ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["team_create", "team_edit"])
def test_only_admins_open_the_team_pages(as_role, org, role, page):
    args = [org.team.slug] if page == "team_edit" else []
    expect_admin_only(as_role(role).get(reverse(f"administration:{page}", args=args)), role)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_archive_teams(as_role, org, role):
    response = as_role(role).post(
        reverse("administration:team_archive", args=[org.team.slug]), {"archived": "1"}
    )
    expect_admin_only(response, role, ok=(302,))
    org.team.refresh_from_db()
    assert org.team.is_archived == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_add_members(as_role, org, role):
    newcomer = UserFactory(username="nico")
    response = as_role(role).post(
        reverse("administration:membership_add", args=[org.team.slug]),
        {"user": newcomer.pk, "role": "member"},
    )
    expect_admin_only(response, role, ok=(302,))
    assert Membership.objects.filter(user=newcomer).exists() == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_change_roles(as_role, org, role):
    membership = Membership.objects.get(team=org.team, user=org.member)
    response = as_role(role).post(
        reverse("administration:membership_edit", args=[membership.pk]), {"role": "lead"}
    )
    expect_admin_only(response, role, ok=(302,))
    membership.refresh_from_db()
    assert (membership.role == "lead") == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_remove_members(as_role, org, role):
    membership = Membership.objects.get(team=org.team, user=org.member)
    response = as_role(role).post(reverse("administration:membership_remove", args=[membership.pk]))
    expect_admin_only(response, role, ok=(302,))
    assert Membership.objects.filter(pk=membership.pk).exists() == (role != "admin")


# --- Pages ---------------------------------------------------------------------------------------


def test_an_admin_creates_a_team_and_adds_a_lead(as_user, org):
    client = as_user(org.admin)
    response = client.post(
        reverse("administration:team_create"),
        {"name": "Fraud Analytics", "kind": "it", "description": "Spots fraud."},
    )
    team = Team.objects.get(name="Fraud Analytics")
    assert response["Location"] == reverse("administration:team_edit", args=[team.slug])
    response = client.post(
        reverse("administration:membership_add", args=[team.slug]),
        {"user": org.non_member.pk, "role": "lead"},
        follow=True,
    )
    assert "added to Fraud Analytics as lead" in response.text
    assert Membership.objects.get(team=team).role == "lead"


def test_bad_input_gets_a_message_and_changes_nothing(as_user, org):
    client = as_user(org.admin)
    response = client.post(reverse("administration:team_create"), {"name": "", "kind": "nonsense"})
    assert response.status_code == 400
    assert "This field is required" in response.text
    response = client.post(
        reverse("administration:team_create"), {"name": "Claims Processing", "kind": "it"}
    )
    assert response.status_code == 400
    assert "already exists" in response.text
    response = client.post(
        reverse("administration:membership_add", args=[org.team.slug]),
        {"user": org.member.pk, "role": "member"},
        follow=True,
    )
    assert "Not added" in response.text
    assert Team.objects.count() == 2
    assert not AdminEvent.objects.exists()


def test_the_team_manage_page_lists_members(as_user, org):
    response = as_user(org.admin).get(reverse("administration:team_edit", args=[org.team.slug]))
    assert "Mia Member" in response.text
    assert "Leo Lead" in response.text


def test_get_on_a_post_only_url_is_refused(as_user, org):
    response = as_user(org.admin).get(reverse("administration:team_archive", args=[org.team.slug]))
    assert response.status_code == 405


def test_team_posts_need_a_csrf_token(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.admin)
    response = client.post(reverse("administration:team_create"), {"name": "X", "kind": "it"})
    assert response.status_code == 403
    assert not Team.objects.filter(name="X").exists()
