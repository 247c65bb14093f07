"""The Django admin, opened to the Admins group: who gets in, and what they may not do there."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, GoalFactory, UserFactory, admin_user

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
    client.force_login(admin_user(username="adam"))
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
