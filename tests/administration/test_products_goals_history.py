"""Products and goals managed in our own pages, and the administration history."""

import pytest
from django.urls import reverse

from administration.services import editing, goals, products, teams
from administration.services.errors import AdminError
from portfolio.choices import GoalStatus
from portfolio.models import AdminEvent, Product, StrategicGoal
from tests.conftest import ROLES, expect_admin_only
from tests.factories import GoalFactory, UserFactory

# --- Services ------------------------------------------------------------------------------------


def test_product_create_edit_archive(org):
    product = products.product_create(
        actor=org.admin,
        data={"name": "Fraud Radar", "team": org.team, "manager": org.lead, "lifecycle": "pilot"},
    )
    assert product.slug == "fraud-radar"
    products.product_update(product=product, actor=org.admin, data={"manager": org.member})
    products.product_set_archived(product=product, actor=org.admin, archived=True)
    product.refresh_from_db()
    assert (product.manager, product.is_archived) == (org.member, True)
    assert list(AdminEvent.objects.order_by("pk").values_list("action", flat=True)) == [
        "product.created",
        "product.updated",
        "product.archived",
    ]


def test_a_deactivated_manager_is_refused(org):
    gone = UserFactory(username="gone", is_active=False)
    with pytest.raises(AdminError, match="deactivated"):
        products.product_update(product=org.product, actor=org.admin, data={"manager": gone})


def test_a_goal_moves_in_the_hierarchy_but_never_under_itself(org):
    vision = GoalFactory(title="Vision")
    child = GoalFactory(title="Child", parent=org.goal)
    goals.goal_update(goal=org.goal, actor=org.admin, data={"parent": vision})
    org.goal.refresh_from_db()
    assert org.goal.parent == vision
    assert AdminEvent.objects.get().action == "goal.moved"
    with pytest.raises(AdminError, match="under itself"):
        goals.goal_update(goal=org.goal, actor=org.admin, data={"parent": child})
    org.goal.refresh_from_db()
    assert org.goal.parent == vision


def test_archiving_a_goal_drops_it(org):
    goals.goal_set_archived(goal=org.goal, actor=org.admin, archived=True)
    org.goal.refresh_from_db()
    assert org.goal.status == GoalStatus.DROPPED


# --- Permissions per role ------------------------------------------------------------------------

PAGES = ["product_create", "product_edit", "goal_create", "goal_edit", "adminevent_list"]


def _args(org, page):
    if page == "product_edit":
        return [org.product.slug]
    if page == "goal_edit":
        return [org.goal.pk]
    return []


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_only_admins_open_the_product_goal_and_history_pages(as_role, org, role, page):
    expect_admin_only(
        as_role(role).get(reverse(f"administration:{page}", args=_args(org, page))), role
    )


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_archive_products_and_goals(as_role, org, role):
    client = as_role(role)
    expect_admin_only(
        client.post(
            reverse("administration:product_archive", args=[org.product.slug]), {"archived": "1"}
        ),
        role,
        ok=(302,),
    )
    expect_admin_only(
        client.post(reverse("administration:goal_archive", args=[org.goal.pk]), {"archived": "1"}),
        role,
        ok=(302,),
    )
    org.product.refresh_from_db()
    org.goal.refresh_from_db()
    assert org.product.is_archived == (role == "admin")
    assert (org.goal.status == GoalStatus.DROPPED) == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_products(as_role, org, role):
    response = as_role(role).post(
        reverse("administration:product_create"),
        {"name": "Fraud Radar", "team": org.team.pk, "lifecycle": "live"},
    )
    expect_admin_only(response, role, ok=(302,))
    assert Product.objects.filter(name="Fraud Radar").exists() == (role == "admin")


# --- Pages ---------------------------------------------------------------------------------------


def test_an_admin_moves_a_goal_through_the_page(as_user, org):
    vision = GoalFactory(title="Vision")
    loaded = editing.state_fingerprint(goals.goal_state(org.goal))
    response = as_user(org.admin).post(
        reverse("administration:goal_edit", args=[org.goal.pk]),
        {"title": org.goal.title, "parent": vision.pk, "status": "active", "fingerprint": loaded},
    )
    assert response.status_code == 302
    org.goal.refresh_from_db()
    assert org.goal.parent == vision


def test_the_goal_page_does_not_offer_its_own_sub_goals_as_parents(as_user, org):
    child = GoalFactory(title="Child objective", parent=org.goal)
    client = as_user(org.admin)
    response = client.get(reverse("administration:goal_edit", args=[org.goal.pk]))
    assert "Child objective" not in response.text
    loaded = editing.state_fingerprint(goals.goal_state(org.goal))
    response = client.post(
        reverse("administration:goal_edit", args=[org.goal.pk]),
        {"title": org.goal.title, "parent": child.pk, "status": "active", "fingerprint": loaded},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    org.goal.refresh_from_db()
    assert org.goal.parent is None


def test_a_duplicate_product_name_gets_a_message(as_user, org):
    response = as_user(org.admin).post(
        reverse("administration:product_create"),
        {"name": "claims portal", "team": org.team.pk, "lifecycle": "live"},
    )
    assert response.status_code == 400
    assert "already exists" in response.text
    assert Product.objects.count() == 1


def test_the_history_shows_every_admin_action_with_who_did_it(
    as_user, org, django_assert_max_num_queries
):
    teams.team_update(team=org.team, actor=org.admin, data={"description": "Claims, end to end"})
    teams.membership_add(team=org.team, actor=org.admin, user=org.non_member)
    goals.goal_create(actor=org.admin, data={"title": "New objective", "parent": org.goal})
    client = as_user(org.admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("administration:adminevent_list"))
    text = response.text
    for action in ("team.updated", "membership.added", "goal.created"):
        assert action in text
    assert "Adam Admin" in text
    assert "Nina Outsider" in text
    response = client.get(reverse("administration:adminevent_list") + "?kind=strategicgoal")
    assert "goal.created" in response.text
    assert "team.updated" not in response.text


def test_new_goal_form_starts_under_the_given_parent(as_user, org):
    response = as_user(org.admin).get(
        reverse("administration:goal_create") + f"?parent={org.goal.pk}"
    )
    assert f'<option value="{org.goal.pk}" selected>' in response.text
    assert StrategicGoal.objects.count() == 1


def test_changes_made_outside_these_pages_show_apart(as_user, org):
    # The Django admin (or a shell) renames a team: no AdminEvent, but the trigger recorded it.
    org.other_team.name = "Platforms"
    org.other_team.save()
    teams.team_update(team=org.team, actor=org.admin, data={"description": "Via our pages"})
    client = as_user(org.admin)
    response = client.get(reverse("administration:adminevent_list") + "?kind=elsewhere")
    assert response.status_code == 200
    changes = response.context["changes"]
    assert any(row.pgh_data.get("name") == "Platforms" for row in changes)
    assert not any(row.pgh_data.get("description") == "Via our pages" for row in changes)


def test_a_django_admin_change_is_attributed_to_its_user(client, org):
    # Only a superuser changes a team there (admins see it read-only).
    org.admin.is_superuser = True
    org.admin.save(update_fields=["is_superuser"])
    client.force_login(org.admin)
    client.post(
        reverse("admin:portfolio_team_change", args=[org.other_team.pk]),
        {
            "name": "Platforms",
            "slug": org.other_team.slug,
            "kind": org.other_team.kind,
            "description": "",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    org.other_team.refresh_from_db()
    assert org.other_team.name == "Platforms"
    response = client.get(reverse("administration:adminevent_list") + "?kind=elsewhere")
    (row,) = [r for r in response.context["changes"] if r.pgh_data.get("name") == "Platforms"]
    assert row.person == org.admin
    assert "Adam Admin" in response.text
