"""Two admins editing the same team, product or goal never silently overwrite each other: each
edit form carries a fingerprint of what it loaded; a save over someone else's later change is
refused (409), nothing is written, the page says what changed and keeps what this admin typed.
Also: a team or product called "New" has pages of its own, not the page that creates one."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from administration.services import editing, goals, products, teams
from portfolio.models import AdminEvent, Product, StrategicGoal, Team
from tests.conftest import ROLES, expect_admin_only
from tests.factories import GoalFactory, ProductFactory, TeamFactory, admin_user


def fingerprint_on(page: str) -> str:
    return re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)


@pytest.fixture
def ada(db):
    return admin_user(username="ada", first_name="Ada", last_name="Admin")


@pytest.fixture
def second_admin(ada):
    """Another admin, in a browser of her own."""
    client = Client()
    client.force_login(ada)
    return client


def _rows():
    return (
        list(Team.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
        list(StrategicGoal.objects.order_by("pk").values()),
        list(AdminEvent.objects.order_by("pk").values_list("pk", flat=True)),
    )


# --- Services ------------------------------------------------------------------------------------


def test_a_team_rename_from_an_older_form_does_not_wipe_a_newer_description(org, ada):
    loaded = editing.state_fingerprint(teams.team_state(org.team))  # both open the form
    teams.team_update(
        team=org.team,
        actor=ada,
        data={"name": org.team.name, "kind": org.team.kind, "description": "Claims, end to end"},
        fingerprint=loaded,
    )
    with pytest.raises(editing.EditConflict) as refused:
        teams.team_update(
            team=org.team,
            actor=org.admin,
            data={"name": "Claims", "kind": org.team.kind, "description": ""},
            fingerprint=loaded,
        )
    assert refused.value.changed == ["description"]
    assert refused.value.current["description"] == "Claims, end to end"
    assert "Someone else changed Claims Processing after you opened this form (description)." in (
        str(refused.value)
    )
    org.team.refresh_from_db()
    assert (org.team.name, org.team.description) == ("Claims Processing", "Claims, end to end")
    assert list(AdminEvent.objects.values_list("actor__username", flat=True)) == ["ada"]


def test_archiving_a_team_meanwhile_is_a_conflict_too(org):
    loaded = editing.state_fingerprint(teams.team_state(org.team))
    teams.team_set_archived(team=org.team, actor=org.admin, archived=True)
    with pytest.raises(editing.EditConflict) as refused:
        teams.team_update(
            team=org.team, actor=org.admin, data={"name": "Claims"}, fingerprint=loaded
        )
    assert refused.value.changed == ["is_archived"]


def test_a_product_edit_from_an_older_form_does_not_undo_a_new_manager(org, ada):
    loaded = editing.state_fingerprint(products.product_state(org.product))
    products.product_update(
        product=org.product, actor=ada, data={"manager": org.lead}, fingerprint=loaded
    )
    stale = {
        "name": "Claims Portal 2",
        "team": org.team,
        "manager": None,
        "vision": "",
        "lifecycle": "live",
    }
    with pytest.raises(editing.EditConflict) as refused:
        products.product_update(
            product=org.product, actor=org.admin, data=stale, fingerprint=loaded
        )
    assert refused.value.changed == ["manager"]
    org.product.refresh_from_db()
    assert (org.product.name, org.product.manager) == ("Claims Portal", org.lead)


def test_a_goal_moved_meanwhile_is_not_moved_back_by_an_older_form(org, ada):
    vision = GoalFactory(title="Vision")
    loaded = editing.state_fingerprint(goals.goal_state(org.goal))
    goals.goal_update(goal=org.goal, actor=ada, data={"parent": vision}, fingerprint=loaded)
    assert AdminEvent.objects.get().action == "goal.moved"
    stale = {"title": "Decide claims in a week", "parent": None, "status": "active"}
    with pytest.raises(editing.EditConflict) as refused:
        goals.goal_update(goal=org.goal, actor=org.admin, data=stale, fingerprint=loaded)
    assert refused.value.changed == ["parent"]
    assert refused.value.current["parent"] == vision
    org.goal.refresh_from_db()
    assert (org.goal.title, org.goal.parent) == ("Decide claims faster", vision)
    assert AdminEvent.objects.count() == 1


def test_a_garbled_fingerprint_counts_as_a_conflict_on_everything(org):
    with pytest.raises(editing.EditConflict) as refused:
        teams.team_update(
            team=org.team, actor=org.admin, data={"name": "Claims"}, fingerprint="nonsense"
        )
    assert refused.value.changed == ["name", "kind", "parent", "description", "is_archived"]
    org.team.refresh_from_db()
    assert org.team.name == "Claims Processing"


def test_an_unchanged_row_saves_with_the_fingerprint_it_was_loaded_with(org):
    loaded = editing.state_fingerprint(teams.team_state(org.team))
    teams.team_update(team=org.team, actor=org.admin, data={"name": "Claims"}, fingerprint=loaded)
    org.team.refresh_from_db()
    assert org.team.name == "Claims"


# --- Pages ---------------------------------------------------------------------------------------


def test_the_second_admin_saving_a_team_is_told_and_keeps_what_they_typed(
    as_user, org, second_admin
):
    url = reverse("administration:team_edit", args=[org.team.slug])
    adam = as_user(org.admin)
    adams_page = adam.get(url).text
    adas_page = second_admin.get(url).text

    # Ada adds a description and saves first.
    response = second_admin.post(
        url,
        {
            "name": "Claims Processing",
            "kind": org.team.kind,
            "description": "Claims, end to end",
            "fingerprint": fingerprint_on(adas_page),
        },
    )
    assert response.status_code == 302

    # Adam, on the form he loaded before, renames the team.
    before = _rows()
    response = adam.post(
        url,
        {
            "name": "Claims",
            "kind": org.team.kind,
            "description": "",
            "fingerprint": fingerprint_on(adams_page),
        },
    )
    assert response.status_code == 409
    text = response.text
    assert "Someone else changed this team while you were editing" in text
    assert "Someone else changed Claims Processing after you opened this form (description)." in (
        text
    )
    assert _rows() == before  # nothing of Adam's was saved
    # The form keeps Adam's new name and shows Ada's description, as saved now.
    assert 'value="Claims"' in text
    assert "Claims, end to end</textarea>" in text

    # Saving again is deliberate, and keeps both changes.
    response = adam.post(
        url,
        {
            "name": "Claims",
            "kind": org.team.kind,
            "description": "Claims, end to end",
            "fingerprint": fingerprint_on(text),
        },
    )
    assert response.status_code == 302
    org.team.refresh_from_db()
    assert (org.team.name, org.team.description) == ("Claims", "Claims, end to end")


def test_the_second_admin_saving_a_product_is_told_what_changed(as_user, org, second_admin):
    url = reverse("administration:product_edit", args=[org.product.slug])
    adam = as_user(org.admin)
    adams_page = adam.get(url).text
    adas_page = second_admin.get(url).text
    posted = {"name": "Claims Portal", "team": org.team.pk, "vision": "", "lifecycle": "live"}
    response = second_admin.post(
        url, {**posted, "manager": org.lead.pk, "fingerprint": fingerprint_on(adas_page)}
    )
    assert response.status_code == 302

    before = _rows()
    response = adam.post(
        url, {**posted, "lifecycle": "pilot", "fingerprint": fingerprint_on(adams_page)}
    )
    assert response.status_code == 409
    text = response.text
    assert "Someone else changed this product while you were editing" in text
    assert "(product manager)" in text
    assert "Leo Lead" in text  # what is saved now
    assert re.search(r'<option value="pilot" selected>', text)  # what Adam chose is kept
    assert re.search(rf'<option value="{org.lead.pk}" selected>', text)  # and Ada's manager
    assert _rows() == before
    org.product.refresh_from_db()
    assert (org.product.manager, org.product.lifecycle) == (org.lead, "live")


def test_a_goal_moved_by_someone_else_is_not_moved_back_by_the_page(as_user, org, second_admin):
    vision = GoalFactory(title="Vision")
    url = reverse("administration:goal_edit", args=[org.goal.pk])
    adam = as_user(org.admin)
    adams_page = adam.get(url).text
    adas_page = second_admin.get(url).text
    # Ada moves the goal under the vision.
    response = second_admin.post(
        url,
        {
            "title": org.goal.title,
            "parent": vision.pk,
            "status": "active",
            "fingerprint": fingerprint_on(adas_page),
        },
    )
    assert response.status_code == 302

    # Adam, on his older form (no parent), retitles it.
    before = _rows()
    response = adam.post(
        url,
        {
            "title": "Decide claims in a week",
            "parent": "",
            "status": "active",
            "fingerprint": fingerprint_on(adams_page),
        },
    )
    assert response.status_code == 409
    text = response.text
    assert "Someone else changed this goal while you were editing" in text
    assert "place in the hierarchy" in text.lower()
    assert 'value="Decide claims in a week"' in text  # Adam's title is kept
    assert re.search(rf'<option value="{vision.pk}" selected>', text)  # the move is shown
    assert _rows() == before
    org.goal.refresh_from_db()
    assert (org.goal.title, org.goal.parent) == ("Decide claims faster", vision)


@pytest.mark.parametrize(
    ("page", "data"),
    [
        ("team_edit", {"name": "Claims", "kind": "it"}),
        ("product_edit", {"name": "Portal", "team": None, "lifecycle": "live"}),
        ("goal_edit", {"title": "Faster", "status": "active"}),
    ],
)
def test_a_post_without_the_fingerprint_is_refused_with_a_message(as_user, org, page, data):
    args = {"team_edit": org.team.slug, "product_edit": org.product.slug}.get(page, org.goal.pk)
    if "team" in data:
        data = {**data, "team": org.team.pk}
    before = _rows()
    response = as_user(org.admin).post(reverse(f"administration:{page}", args=[args]), data)
    assert response.status_code == 400
    assert "This form is missing what it was loaded with; reload the page" in response.text
    assert _rows() == before


def test_saving_an_untouched_description_with_browser_line_breaks_changes_nothing(as_user, org):
    teams.team_update(team=org.team, actor=org.admin, data={"description": "Line one\nLine two"})
    org.team.refresh_from_db()
    url = reverse("administration:team_edit", args=[org.team.slug])
    client = as_user(org.admin)
    page = client.get(url).text
    response = client.post(
        url,
        {
            "name": org.team.name,
            "kind": org.team.kind,
            "description": "Line one\r\nLine two",  # as a browser posts a textarea
            "fingerprint": fingerprint_on(page),
        },
    )
    assert response.status_code == 302
    assert AdminEvent.objects.filter(action="team.updated").count() == 1  # only the first


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", ["team_edit", "product_edit", "goal_edit"])
def test_only_admins_save_edits(as_role, org, role, page):
    target = {"team_edit": org.team, "product_edit": org.product, "goal_edit": org.goal}[page]
    state = {
        "team_edit": teams.team_state,
        "product_edit": products.product_state,
        "goal_edit": goals.goal_state,
    }[page](target)
    data = {
        "team_edit": {"name": "Renamed", "kind": "it"},
        "product_edit": {"name": "Renamed", "team": org.team.pk, "lifecycle": "live"},
        "goal_edit": {"title": "Renamed", "status": "active"},
    }[page]
    args = [target.slug] if page != "goal_edit" else [target.pk]
    response = as_role(role).post(
        reverse(f"administration:{page}", args=args),
        {**data, "fingerprint": editing.state_fingerprint(state)},
    )
    expect_admin_only(response, role, ok=(302,))
    target.refresh_from_db()
    renamed = getattr(target, "title", None) == "Renamed" or getattr(target, "name", "") == (
        "Renamed"
    )
    assert renamed == (role == "admin")


@pytest.mark.parametrize("page", ["team_edit", "product_edit", "goal_edit"])
def test_the_edit_pages_keep_a_query_budget(as_user, org, page, django_assert_max_num_queries):
    client = as_user(org.admin)
    target = {"team_edit": org.team, "product_edit": org.product, "goal_edit": org.goal}[page]
    url = reverse(
        f"administration:{page}", args=[target.pk if page == "goal_edit" else target.slug]
    )
    client.get(url)  # warm the session
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    # More people, teams and goals to choose from: the same number of queries.
    for n in range(5):
        team = TeamFactory()
        GoalFactory(parent=org.goal if page != "goal_edit" else None)
        admin_user(username=f"extra{n}")
        ProductFactory(team=team)
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


# --- A team or product called "New" ---------------------------------------------------------------


def test_a_team_called_new_gets_a_slug_of_its_own_and_its_own_page(as_user, org):
    team = teams.team_create(actor=org.admin, data={"name": "New", "kind": "it"})
    assert team.slug == "new-2"
    client = as_user(org.admin)
    response = client.get(reverse("administration:team_edit", args=[team.slug]))
    assert response.status_code == 200
    assert "Manage New" in response.text
    assert client.get(reverse("administration:team_create")).context["title"] == "New team"


def test_a_team_whose_slug_is_new_opens_its_own_edit_page(as_user, org):
    # A slug typed in the Django admin is not generated: the URLs keep the two pages apart anyway.
    team = TeamFactory(name="New", slug="new")
    client = as_user(org.admin)
    response = client.get(reverse("administration:team_edit", args=["new"]))
    assert response.status_code == 200
    assert response.context["team"] == team
    assert reverse("administration:team_edit", args=["new"]) != reverse(
        "administration:team_create"
    )
    response = client.get(reverse("administration:team_create"))
    assert response.context["title"] == "New team"


def test_a_product_called_new_gets_a_slug_of_its_own_and_its_own_page(as_user, org):
    product = products.product_create(
        actor=org.admin, data={"name": "New", "team": org.team, "lifecycle": "live"}
    )
    assert product.slug == "new-2"
    ProductFactory(name="Newer", slug="new", team=org.team)
    client = as_user(org.admin)
    for slug, name in (("new-2", "New"), ("new", "Newer")):
        response = client.get(reverse("administration:product_edit", args=[slug]))
        assert response.status_code == 200
        assert response.context["title"] == f"Edit {name}"
    assert client.get(reverse("administration:product_create")).context["title"] == "New product"
