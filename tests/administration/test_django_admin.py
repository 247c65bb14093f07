"""The Django admin, opened to the Admins group: who gets in, and what they may not do there."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from portfolio.choices import ADMINS_GROUP, REVIEWERS_GROUP, MembershipRole
from portfolio.models import AdminEvent, Membership
from portfolio.tasks import send_set_password_email
from tests.administration.test_django_admin_deactivation import admin_form
from tests.factories import PASSWORD, GoalFactory, UserFactory, admin_user

User = get_user_model()

pytestmark = pytest.mark.django_db


def test_a_member_of_the_admins_group_signs_in_to_the_admin_without_a_staff_flag(client):
    adam = admin_user(username="adam")
    assert not adam.is_staff
    response = client.post(
        reverse("admin:login"), {"username": "adam", "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_someone_outside_the_admins_group_cannot_sign_in_to_the_admin(client):
    UserFactory(username="paula")
    response = client.post(reverse("admin:login"), {"username": "paula", "password": PASSWORD})
    assert response.status_code == 200
    assert "not in the Admins group" in response.content.decode()


def test_an_admin_cannot_grant_superuser_rights_or_edit_a_superuser(client):
    adam = admin_user(username="adam")
    root = UserFactory(username="root", is_superuser=True)
    someone = UserFactory(username="someone")
    client.force_login(adam)

    form = client.get(reverse("admin:auth_user_change", args=[someone.pk])).content.decode()
    assert 'name="is_superuser"' not in form  # shown read-only, not as an input

    # Posting the flag anyway changes nothing.
    client.post(
        reverse("admin:auth_user_change", args=[someone.pk]),
        {"username": "someone", "is_superuser": "on", "is_active": "on"},
    )
    someone.refresh_from_db()
    assert not someone.is_superuser

    # A superuser's page is read-only for an admin, and a forged change is refused.
    root_page = client.get(reverse("admin:auth_user_change", args=[root.pk])).content.decode()
    assert 'name="username"' not in root_page
    forged = client.post(
        reverse("admin:auth_user_change", args=[root.pk]),
        {"username": "taken-over", "is_active": "on"},
    )
    assert forged.status_code == 403
    root.refresh_from_db()
    assert root.username == "root"


def test_a_goal_cannot_be_moved_under_its_own_sub_goal(client):
    # Only a superuser edits goals in the Django admin (an admin uses the goal's own page).
    client.force_login(admin_user(username="adam", is_superuser=True))
    vision = GoalFactory(title="Vision")
    goal = GoalFactory(title="Goal", parent=vision)
    response = client.post(
        reverse("admin:portfolio_strategicgoal_change", args=[vision.pk]),
        {"title": "Vision", "parent": goal.pk, "status": "active", "period": ""},
    )
    assert response.status_code == 200
    assert "cannot sit under itself" in response.content.decode()
    vision.refresh_from_db()
    assert vision.parent is None


# -- What the Admins group may not do in the Django admin (issue 8, item 8) -----------------------
# The registry's own pages change teams, members, people, products and goals through services that
# check its rules and record each change; the admin is read-only there for the Admins group, and
# the role groups are not theirs to edit. A superuser keeps the whole admin.


def _as_admin(client, org):
    client.force_login(org.admin)  # the Admins group, not a superuser
    return client


@pytest.mark.parametrize("group_name", [ADMINS_GROUP, REVIEWERS_GROUP])
def test_an_admin_cannot_rename_or_regrant_a_role_group(client, org, group_name):
    group = Group.objects.get(name=group_name)
    _as_admin(client, org)
    page = client.get(reverse("admin:auth_group_change", args=[group.pk]))
    assert page.status_code == 200  # they may look
    assert 'name="name"' not in page.text

    some_permission = Permission.objects.get(codename="change_user")
    renamed = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": "Staff", "permissions": [some_permission.pk]},
    )
    assert renamed.status_code == 403
    group.refresh_from_db()
    assert (group.name, group.permissions.count()) == (group_name, 0)
    # Every admin is still an admin.
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("group_name", [ADMINS_GROUP, REVIEWERS_GROUP])
def test_an_admin_cannot_delete_a_role_group(client, org, group_name):
    group = Group.objects.get(name=group_name)
    _as_admin(client, org)
    response = client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Group.objects.filter(name=group_name).exists()


def test_an_admin_cannot_add_a_group(client, org):
    _as_admin(client, org)
    response = client.post(reverse("admin:auth_group_add"), {"name": "Admins2"})
    assert response.status_code == 403
    assert not Group.objects.filter(name="Admins2").exists()


def test_an_admin_cannot_set_someone_elses_password(client, org):
    _as_admin(client, org)
    url = reverse("admin:auth_user_password_change", args=[org.member.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "usable_password": "true",
            "password1": "Chosen-by-adam-2026",
            "password2": "Chosen-by-adam-2026",
        },
    )
    assert response.status_code == 403
    org.member.refresh_from_db()
    assert org.member.check_password(PASSWORD)
    assert not org.member.check_password("Chosen-by-adam-2026")
    # The person's admin page offers no way there.
    page = client.get(reverse("admin:auth_user_change", args=[org.member.pk]))
    assert page.status_code == 200
    assert "../password/" not in page.text
    assert url not in page.text


def test_an_admin_cannot_create_a_person_with_a_password_in_the_django_admin(client, org):
    _as_admin(client, org)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newbie",
            "usable_password": "true",
            "password1": "Chosen-by-adam-2026",
            "password2": "Chosen-by-adam-2026",
        },
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="newbie").exists()


def test_an_admin_cannot_edit_a_person_in_the_django_admin(client, org):
    _as_admin(client, org)
    before = (org.member.first_name, org.member.email, list(org.member.groups.all()))
    response = client.post(
        reverse("admin:auth_user_change", args=[org.member.pk]),
        admin_form(org.member, first_name="Changed", email="x@example.org", groups=[ADMINS_GROUP]),
    )
    assert response.status_code == 403
    org.member.refresh_from_db()
    assert (org.member.first_name, org.member.email, list(org.member.groups.all())) == before
    assert not AdminEvent.objects.exists()


def _team_form(team, memberships, **changes) -> dict:
    """What the Django admin's team page posts, with its membership rows as ``(membership, role,
    delete)``."""
    data = {
        "name": team.name,
        "slug": team.slug,
        "kind": team.kind,
        "description": team.description,
        "memberships-TOTAL_FORMS": str(len(memberships)),
        "memberships-INITIAL_FORMS": str(len(memberships)),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, (membership, role, delete) in enumerate(memberships):
        data |= {
            f"memberships-{index}-id": membership.pk,
            f"memberships-{index}-team": team.pk,
            f"memberships-{index}-user": membership.user_id,
            f"memberships-{index}-role": role,
        }
        if delete:
            data[f"memberships-{index}-DELETE"] = "on"
    data.update(changes)
    return data


def test_an_admin_cannot_change_team_memberships_in_the_django_admin(client, org):
    """Removing a team's only lead is refused on the team's page; the admin must not allow it."""
    lead = Membership.objects.get(team=org.team, user=org.lead)
    member = Membership.objects.get(team=org.team, user=org.member)
    _as_admin(client, org)
    page = client.get(reverse("admin:portfolio_team_change", args=[org.team.pk]))
    assert page.status_code == 200
    assert 'name="memberships-0-role"' not in page.text
    edit_page = reverse("administration:team_edit", args=[org.team.slug])
    assert f'href="{edit_page}"' in page.text  # where to change it instead

    response = client.post(
        reverse("admin:portfolio_team_change", args=[org.team.pk]),
        _team_form(
            org.team,
            [(lead, MembershipRole.LEAD, True), (member, MembershipRole.LEAD, False)],
            name="Renamed",
        ),
    )
    assert response.status_code == 403
    assert Membership.objects.get(pk=lead.pk).role == MembershipRole.LEAD
    assert Membership.objects.get(pk=member.pk).role == MembershipRole.MEMBER
    org.team.refresh_from_db()
    assert org.team.name == "Claims Processing"


def test_an_admin_cannot_edit_products_or_goals_in_the_django_admin(client, org):
    _as_admin(client, org)
    product = client.post(
        reverse("admin:portfolio_product_change", args=[org.product.pk]),
        {"name": "Renamed", "slug": org.product.slug, "team": org.team.pk, "lifecycle": "live"},
    )
    goal = client.post(
        reverse("admin:portfolio_strategicgoal_change", args=[org.goal.pk]),
        {"title": "Renamed", "status": "active", "period": ""},
    )
    assert (product.status_code, goal.status_code) == (403, 403)
    org.product.refresh_from_db()
    org.goal.refresh_from_db()
    assert (org.product.name, org.goal.title) == ("Claims Portal", "Decide claims faster")


def test_an_admin_still_looks_everything_up_in_the_django_admin(client, org):
    _as_admin(client, org)
    for name, args in [
        ("admin:auth_user_changelist", []),
        ("admin:auth_user_change", [org.member.pk]),
        ("admin:auth_group_changelist", []),
        ("admin:portfolio_team_changelist", []),
        ("admin:portfolio_team_change", [org.team.pk]),
        ("admin:portfolio_product_change", [org.product.pk]),
        ("admin:portfolio_strategicgoal_change", [org.goal.pk]),
        ("admin:django_tasks_database_dbtaskresult_changelist", []),
        ("admin:axes_accessattempt_changelist", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name


def test_an_admin_cannot_change_or_delete_queued_tasks_in_the_django_admin(
    client, org, database_tasks
):
    """The queue (the e-mail tasks among them) is the worker's: read-only here for everyone."""
    send_set_password_email.enqueue(org.member.pk)  # an e-mail task, waiting for the worker
    task = DBTaskResult.objects.get()
    _as_admin(client, org)
    changelist = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert 'name="action"' not in changelist.text  # no bulk delete
    change = reverse("admin:django_tasks_database_dbtaskresult_change", args=[task.pk])
    assert client.post(change, {"status": "SUCCESSFUL"}).status_code == 403
    delete = reverse("admin:django_tasks_database_dbtaskresult_delete", args=[task.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    task.refresh_from_db()
    assert task.status == "READY"


def test_a_superuser_still_repairs_groups_and_teams_in_the_django_admin(client, org):
    root = UserFactory(username="root", is_superuser=True)
    client.force_login(root)
    reviewers = Group.objects.get(name=REVIEWERS_GROUP)
    response = client.post(
        reverse("admin:auth_group_change", args=[reviewers.pk]), {"name": "Reviewers"}
    )
    assert response.status_code == 302
    lead = Membership.objects.get(team=org.team, user=org.lead)
    member = Membership.objects.get(team=org.team, user=org.member)
    response = client.post(
        reverse("admin:portfolio_team_change", args=[org.team.pk]),
        _team_form(
            org.team,
            [(lead, MembershipRole.LEAD, False), (member, MembershipRole.LEAD, False)],
        ),
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=member.pk).role == MembershipRole.LEAD
