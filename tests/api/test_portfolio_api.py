"""The portfolio through the API: teams with their units, products, goals with their parents,
people; read by anyone signed in, in a fixed number of queries."""

import pytest

from tests.factories import GoalFactory, ProductFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_teams_products_goals_and_people_as_the_pages_show_them(as_user, org):
    unit = TeamFactory(name="Benefits Agency", slug="benefits-agency")
    org.team.parent = unit
    org.team.save()
    child = GoalFactory(title="Decide appeals faster", parent=org.goal)
    client = as_user(org.member)

    teams = {t["slug"]: t for t in client.get("/api/v1/teams").json()}
    products = client.get("/api/v1/products").json()
    goals = {g["title"]: g for g in client.get("/api/v1/goals").json()}
    people = {p["username"] for p in client.get("/api/v1/people").json()}

    assert teams["claims-processing"]["parent"] == "benefits-agency"
    assert products == [
        {
            "slug": "claims-portal",
            "name": "Claims Portal",
            "team": "claims-processing",
            "lifecycle": org.product.lifecycle,
            "archived": False,
        }
    ]
    assert goals[child.title]["parent"] == org.goal.pk
    assert {"mia", "leo", "owen"} <= people


@pytest.mark.parametrize(
    "path", ["/api/v1/teams", "/api/v1/products", "/api/v1/goals", "/api/v1/people"]
)
def test_anonymous_gets_401_and_the_lists_take_fixed_queries(
    client, as_user, org, path, django_assert_max_num_queries
):
    assert client.get(path).status_code == 401
    signed_in = as_user(org.member)
    with django_assert_max_num_queries(10) as few:
        signed_in.get(path)
    for number in range(5):
        ProductFactory(name=f"System {number}", slug=f"system-{number}", team=TeamFactory())
        GoalFactory(title=f"Goal {number}", parent=org.goal)
    with django_assert_max_num_queries(len(few)):
        assert signed_in.get(path).status_code == 200
